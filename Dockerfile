# One image for every Presswatch role in docker-compose.yml: the web app, the Prefect worker (its flow runs
# import the installed `flows` package: the deployments' entrypoints are module paths) and the one-shot
# service that initialises the store and registers the deployments.
FROM python:3.11-slim
# WeasyPrint (PDF reports) needs Pango; fonts with Vietnamese glyphs (the list: scripts/system-deps.sh)
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# torch from the CPU wheel index first (the same pin, 2.13.0+cpu): from PyPI it pulls multi-GB CUDA libraries
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md quality_floors.yaml /app/
COPY presswatch /app/presswatch
COPY crawlers /app/crawlers
COPY pipelines /app/pipelines
COPY models /app/models
COPY flows /app/flows
RUN pip install --no-cache-dir /app
ENV PRESSWATCH_DATA_DIR=/data \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1
VOLUME /data
EXPOSE 8000
CMD ["presswatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
