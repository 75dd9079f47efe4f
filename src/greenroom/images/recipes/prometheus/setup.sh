# Lay Prometheus out like the official image: consoles in /usr/share/prometheus, linked from
# /etc/prometheus (a mount over that folder keeps them); config and TSDB folders owned by nobody.
for dir in consoles console_libraries; do
	mv "/etc/prometheus/$dir" "/usr/share/prometheus/$dir"
	ln -s "/usr/share/prometheus/$dir" "/etc/prometheus/$dir"
done
mkdir -p /prometheus
chown -R nobody:nogroup /etc/prometheus /prometheus
