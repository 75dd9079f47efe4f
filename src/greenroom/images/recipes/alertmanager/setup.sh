# Lay Alertmanager out like the official image: /bin/alertmanager, and config and state folders
# owned by nobody (the user it runs as).
ln -sf /usr/bin/prometheus-alertmanager /usr/bin/alertmanager
mkdir -p /etc/alertmanager /alertmanager
chown -R nobody:nogroup /etc/alertmanager /alertmanager
