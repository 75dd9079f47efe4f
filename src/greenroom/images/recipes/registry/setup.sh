ln -sf /usr/bin/docker-registry /usr/local/bin/registry
mkdir -p /var/lib/registry
