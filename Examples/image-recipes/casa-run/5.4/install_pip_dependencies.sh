#!/bin/sh
# Python packages not packaged by Ubuntu.
set -e
python3 -m pip install --break-system-packages --no-cache-dir nibabel
