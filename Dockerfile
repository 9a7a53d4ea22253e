# The image every service of docker-compose.yaml runs: Python 3.11 with exactly requirements.lock
# (Airflow and its Celery provider, Great Expectations, python-docx…), the project, LibreOffice (it
# numbers the compilations' 目录 and writes the PDFs) and the Chinese fonts the documents name.
# Built on python:3.11-slim rather than apache/airflow: that image brings its own constraints for
# Airflow's dependencies, and the pack must run on the versions the lock names, as `make` installs.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming poppler-utils \
      curl tini \
 && rm -rf /var/lib/apt/lists/*

ENV AIRFLOW_HOME=/opt/airflow \
    REPORTPACK_HOME=/opt/reportpack \
    PYTHONUNBUFFERED=1
WORKDIR /opt/reportpack

COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir "uv==0.13.9" \
 && uv pip sync --system --no-cache requirements.lock
COPY src/ src/
RUN uv pip install --system --no-cache --no-deps .
COPY dags/ dags/
COPY plugins/ plugins/
COPY templates/ templates/
COPY expectations/ expectations/

# The official image's user: uid 50000 in group 0, so AIRFLOW_UID may be any uid (group 0 writes).
RUN useradd --uid 50000 --gid 0 --home-dir /opt/airflow --no-create-home airflow \
 && mkdir -p /opt/airflow/logs /opt/reportpack/output /opt/reportpack/inputs /opt/reportpack/var \
 && chown -R 50000:0 /opt/airflow /opt/reportpack/output /opt/reportpack/inputs /opt/reportpack/var \
 && chmod -R g+rwX /opt/airflow /opt/reportpack/output /opt/reportpack/inputs /opt/reportpack/var
USER 50000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["airflow", "version"]
