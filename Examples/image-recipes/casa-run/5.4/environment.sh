# Sourced by casa-run images' entrypoint.
export CASA=/casa
if [ -d /casa/host/install ]; then export PATH="/casa/host/install/bin:$PATH"; fi
