#!/bin/sh
# Runs once inside a freshly debootstrapped root file system (systemd-nspawn, not
# booted) to turn it into the boot harness's cached guest image. Arguments: the
# packages to install. The harness mounts this directory at /arw-provision.
set -eu
export DEBIAN_FRONTEND=noninteractive

# debootstrap's own resolver cannot satisfy virtual packages (python3-cffi-backend-api-*,
# node-safe-stable-stringify...), so only the base system comes from debootstrap and
# apt installs the rest.
apt-get update -qq
# /var/cache/apt/archives is the harness's shared package cache (bind mount): keep it.
apt-get install -y -qq --no-install-recommends "$@"

# cloud-init's locale module sets en_US.UTF-8 by default; Debian's locale-gen ignores
# the locale cloud-init names and builds only what /etc/locale.gen enables.
sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
locale-gen >/dev/null

# cloud-init reads only the NoCloud seed the harness writes into each guest
# (/var/lib/cloud/seed/nocloud); "None" keeps it running if the seed were missing.
# The guest's network is the harness's namespace (loopback only): cloud-init must
# not try to configure it.
cat >/etc/cloud/cloud.cfg.d/90-arw-boot-harness.cfg <<'CFG'
datasource_list: [NoCloud, None]
network:
  config: disabled
CFG

# TEST-ONLY: make botocore honour AWS_ENDPOINT_URL, see guest/arw_test_endpoint.py.
install -m 0644 /arw-provision/guest/arw_test_endpoint.py /usr/lib/python3/dist-packages/arw_test_endpoint.py
echo 'import arw_test_endpoint' >/usr/lib/python3/dist-packages/zz-arw-test-endpoint.pth

# TEST-ONLY: mount fstab's device entries at boot, which systemd skips in a container;
# see guest/arw-test-fstab-devices.
install -D -m 0755 /arw-provision/guest/arw-test-fstab-devices /etc/systemd/system-generators/arw-test-fstab-devices

# Debian's jupyterhub package enables a stock hub on port 8000; the instance code
# brings its own service, as it does on an image without that package.
systemctl disable jupyterhub.service >/dev/null 2>&1 || true

# No console login prompt: nobody types on the container's console.
systemctl mask console-getty.service >/dev/null

# Each guest is a new machine: an empty machine-id makes systemd generate one on
# first boot (and run first-boot units), like a freshly launched AMI.
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
rm -rf /var/lib/cloud/* /var/log/cloud-init*.log
