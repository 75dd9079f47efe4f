# Lay nginx out like the official image: conf.d/*.conf only, html under /usr/share/nginx, logs to stdio.
rm -f /etc/nginx/sites-enabled/default
mkdir -p /etc/nginx/conf.d /usr/share/nginx/html
printf '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1></body></html>\n' >/usr/share/nginx/html/index.html
printf '<!DOCTYPE html>\n<html><head><title>Error</title></head>\n<body><h1>An error occurred.</h1></body></html>\n' >/usr/share/nginx/html/50x.html
ln -sf /dev/stdout /var/log/nginx/access.log
ln -sf /dev/stderr /var/log/nginx/error.log
