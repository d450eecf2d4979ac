# topocli in a container: everything installed at build time, nothing fetched at run time.
#   docker build -t topocli .
#   docker run --rm -v "$PWD/out:/work" topocli analyze celegans-varshney2011 --out /work/analysis
# For a CPU-only torch (smaller image), point pip at a CPU wheel index at build time:
#   docker build --build-arg PIP_EXTRA_INDEX_URL=<cpu wheel index> -t topocli .
FROM python:3.11-slim

ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /opt/topocli
COPY pyproject.toml README.md ./
COPY topocli ./topocli
RUN pip install "torch==2.13.0" && pip install ".[deploy,mujoco]" \
    && useradd --create-home --uid 1000 topocli \
    && mkdir -p /work && chown topocli:topocli /work \
    && topocli --version && topocli graphs >/dev/null

USER topocli
WORKDIR /work
ENTRYPOINT ["topocli"]
CMD ["--help"]
