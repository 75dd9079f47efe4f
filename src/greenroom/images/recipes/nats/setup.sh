mkdir -p /data /etc/nats
