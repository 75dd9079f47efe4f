# The official image's binary path; the package names it prometheus-postgres-exporter.
ln -sf /usr/bin/prometheus-postgres-exporter /usr/bin/postgres_exporter
