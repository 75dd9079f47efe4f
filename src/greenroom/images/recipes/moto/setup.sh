python3 -m venv /opt/moto
/opt/moto/bin/pip install --quiet --no-index --no-cache-dir \
    --find-links /tmp/wheelhouse/wheels -r /tmp/wheelhouse/requirements.lock
