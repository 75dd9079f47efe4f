# The package's postinst made a "main" cluster; the entrypoint makes its own in $PGDATA instead.
rm -rf /var/lib/postgresql/17/main /etc/postgresql/17/main
mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d
chown -R postgres:postgres /var/lib/postgresql
chmod 700 /var/lib/postgresql/data
