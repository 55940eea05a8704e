# One image for both processes (docker-compose.yaml picks the entry point).
# Node 24 LTS (22 and 20 also work; README: Performance has each one's figures).
FROM node:24-slim
WORKDIR /app
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts codegen.ts schema.graphql ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run -s generate
# graphql-js and the HTTP stack skip their development-mode checks (README: Performance).
ENV NODE_ENV=production
EXPOSE 4000 4100
CMD ["node", "--import", "tsx", "server/main.ts"]
