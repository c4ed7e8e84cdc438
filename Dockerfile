FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir . && presswatch --data-dir /data init
ENV PRESSWATCH_DATA_DIR=/data
EXPOSE 8000
CMD ["presswatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
