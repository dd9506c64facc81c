# artdag daemon image: Node 24, ffmpeg, the home as a volume.
FROM node:24-bookworm-slim

# Debian's ffmpeg (5.1, with x264, x265, vpx, aom and svt-av1) and fonts. artdag resolves its
# binaries as: config/env → ffmpeg-static → @ffmpeg-installer → PATH; the env below pins Debian's.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/artdag
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-fund --no-audit && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY examples ./examples

ENV ARTDAG_HOME=/data \
    ARTDAG_FFMPEG=/usr/bin/ffmpeg \
    ARTDAG_FFPROBE=/usr/bin/ffprobe \
    NODE_ENV=production
VOLUME ["/data"]
EXPOSE 4101/tcp

# Create the home (identity, swarm key) on first start; mount a swarm.key shared by the cluster at
# /run/secrets/swarm.key, or the node makes its own.
COPY scripts/docker/entrypoint.sh /usr/local/bin/artdag-entrypoint
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/artdag-entrypoint"]
CMD ["node", "/opt/artdag/bin/artdag.js", "daemon"]
