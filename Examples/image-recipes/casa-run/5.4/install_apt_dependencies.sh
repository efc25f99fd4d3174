#!/bin/sh
# System packages a casa-run image needs at run time.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-pip python3-numpy libgl1 libglu1-mesa xvfb
