python3 -m venv /opt/localstack
/opt/localstack/bin/pip install --quiet --no-index --no-cache-dir \
    --find-links /tmp/wheelhouse/wheels -r /tmp/wheelhouse/requirements.lock
mkdir -p /var/lib/localstack /etc/localstack/init/ready.d
