mkdir -p /data
chown redis:redis /data
