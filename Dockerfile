# One image for both processes (docker-compose.yaml picks the entry point).
FROM node:20-slim
WORKDIR /app
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts codegen.ts schema.graphql ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run -s generate
EXPOSE 4000 4100
CMD ["node", "--import", "tsx", "server/main.ts"]
