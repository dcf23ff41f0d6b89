#!/bin/bash
# Instance bootstrap for an aws-research-wizard environment (Ubuntu LTS or the
# Deep Learning AMI). Runs once from cloud-init; every step is idempotent so a
# re-run after a reboot or instance replacement repairs rather than duplicates.
set -euo pipefail

ARW_ETC=/etc/aws-research-wizard
ARW_LIB=/opt/aws-research-wizard
CONFIG="${ARW_ETC}/environment.json"
CONDA=/opt/conda
HUB_ENV="${CONDA}/envs/hub"
exec > >(tee -a /var/log/aws-research-wizard-bootstrap.log) 2>&1

cfg() {
  python3 "${ARW_LIB}/arw_setup.py" get "$1" --config "${CONFIG}"
}

log() {
  printf '%s arw-bootstrap: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
}

imds_token() {
  curl -sS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300'
}

imds() {
  curl -sS -H "X-aws-ec2-metadata-token: $(imds_token)" "http://169.254.169.254/latest/meta-data/$1"
}

install_base_packages() {
  log "installing base packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q curl unzip jq nfs-common xfsprogs python3 git build-essential libssl-dev pkg-config openssl
  if ! command -v aws >/dev/null; then
    curl -sSfL "https://awscli.amazonaws.com/awscli-exe-linux-$(uname -m).zip" -o /tmp/awscliv2.zip
    unzip -q -o /tmp/awscliv2.zip -d /tmp
    /tmp/aws/install --update
  fi
}

# The home volume is attached from here rather than by a CloudFormation
# VolumeAttachment: when an update replaces the instance, CloudFormation creates the
# new instance before terminating the old one, so a declarative attachment would
# fail with VolumeInUse. Waiting here until the old instance lets go keeps /home.
attach_home_volume() {
  local volume instance region device state
  volume="$(cfg homeVolumeId)"
  region="$(cfg region)"
  instance="$(imds instance-id)"
  device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume//-/}"
  for _ in $(seq 1 90); do
    state="$(aws ec2 describe-volumes --region "${region}" --volume-ids "${volume}" --query 'Volumes[0].Attachments[0].InstanceId' --output text)"
    if [ "${state}" = "${instance}" ]; then break; fi
    if [ "${state}" = "None" ]; then
      aws ec2 attach-volume --region "${region}" --volume-id "${volume}" --instance-id "${instance}" --device /dev/sdh >/dev/null || true
    fi
    log "waiting for home volume ${volume} (attached to: ${state})"
    sleep 10
  done
  for _ in $(seq 1 60); do
    [ -e "${device}" ] && break
    sleep 2
  done
  if [ ! -e "${device}" ]; then
    log "home volume ${volume} did not appear; refusing to continue without it"
    exit 1
  fi
  # Format only a blank volume: an existing file system holds users' work.
  if ! blkid "${device}" >/dev/null 2>&1; then
    log "formatting new home volume"
    mkfs.xfs -L arw-home "${device}"
  fi
  if ! grep -q ' /home ' /etc/fstab; then
    echo "LABEL=arw-home /home xfs defaults,nofail 0 2" >> /etc/fstab
  fi
  mountpoint -q /home || mount /home
}

mount_shared_storage() {
  local fs_id region
  fs_id="$(cfg sharedFileSystemId)"
  [ -n "${fs_id}" ] || return 0
  region="$(cfg region)"
  if ! command -v mount.efs >/dev/null; then
    log "building amazon-efs-utils for TLS-encrypted EFS mounts"
    rm -rf /tmp/efs-utils
    git clone --depth 1 --branch v2.3.1 https://github.com/aws/efs-utils /tmp/efs-utils
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    (cd /tmp/efs-utils && PATH="${HOME}/.cargo/bin:${PATH}" ./build-deb.sh && apt-get install -y ./build/amazon-efs-utils*deb)
  fi
  mkdir -p /shared
  if ! grep -q ' /shared ' /etc/fstab; then
    echo "${fs_id}:/ /shared efs _netdev,tls,iam,nofail 0 0" >> /etc/fstab
  fi
  for _ in $(seq 1 30); do
    mountpoint -q /shared && break
    mount /shared || sleep 10
  done
  chmod 1777 /shared
  log "shared file system ${fs_id} mounted at /shared (${region})"
}

# Scratch space is part of the root volume (sized by the stack): fast, not backed up,
# and gone when the instance is replaced.
prepare_scratch() {
  local size
  size="$(cfg scratchGiB)"
  [ "${size}" != "0" ] || return 0
  growpart /dev/nvme0n1 1 || true
  resize2fs "$(findmnt -no SOURCE /)" || true
  mkdir -p /scratch
  chmod 1777 /scratch
}

mount_data() {
  local arch
  arch="$(uname -m)"
  if ! command -v mount-s3 >/dev/null; then
    log "installing Mountpoint for Amazon S3"
    curl -sSfL "https://s3.amazonaws.com/mountpoint-s3-release/latest/${arch}/mount-s3.deb" -o /tmp/mount-s3.deb
    apt-get install -y /tmp/mount-s3.deb
  fi
  python3 "${ARW_LIB}/arw_setup.py" mount-units --config "${CONFIG}" --unit-dir /etc/systemd/system
  systemctl daemon-reload
  for unit in /etc/systemd/system/arw-mount-*.service; do
    [ -e "${unit}" ] || continue
    systemctl enable --now "$(basename "${unit}")"
  done
}

install_conda() {
  if [ ! -x "${CONDA}/bin/mamba" ]; then
    log "installing Miniforge"
    curl -sSfL "https://github.com/conda-forge/miniforge/releases/download/24.9.2-0/Miniforge3-24.9.2-0-Linux-$(uname -m).sh" -o /tmp/miniforge.sh
    bash /tmp/miniforge.sh -b -u -p "${CONDA}"
  fi
}

install_hub() {
  if [ ! -x "${HUB_ENV}/bin/jupyterhub" ]; then
    log "installing JupyterHub"
    "${CONDA}/bin/mamba" create -y -q -p "${HUB_ENV}" -c conda-forge \
      python=3.11 jupyterhub=4.1.6 jupyterlab=4.2.5 notebook=7.2.2 oauthenticator=16.3.1 \
      jupyterhub-idle-culler=1.4.0 configurable-http-proxy=4.6.2 jupyterhub-systemdspawner=1.0.1
  fi
  install -m 0644 "${ARW_LIB}/jupyterhub_config.py" "${ARW_ETC}/jupyterhub_config.py"
}

install_kernels() {
  log "installing kernels"
  PATH="${HUB_ENV}/bin:${CONDA}/bin:${PATH}" python3 "${ARW_LIB}/arw_setup.py" install-kernels --config "${CONFIG}" --conda "${CONDA}" --hub-env "${HUB_ENV}"
}

fetch_hub_settings() {
  # Public hubs: sign-in settings are published by the stack after the CloudFront
  # distribution exists; the instance may boot first, so poll for them.
  # Private hubs: create the admin accounts instead.
  python3 "${ARW_LIB}/arw_setup.py" hub-settings --config "${CONFIG}" --out "${ARW_ETC}/hub.json" --secret-out "${ARW_ETC}/oauth.env"
  if [ -e "${ARW_ETC}/oauth.env" ]; then chmod 600 "${ARW_ETC}/oauth.env"; fi
  python3 "${ARW_LIB}/arw_setup.py" admin-accounts --config "${CONFIG}"
}

install_services() {
  # The idle agent reads hub activity through the API with its own token.
  if [ ! -s "${ARW_ETC}/idle-agent.token" ]; then
    (umask 077 && openssl rand -hex 32 > "${ARW_ETC}/idle-agent.token")
  fi
  python3 "${ARW_LIB}/arw_setup.py" service-units --config "${CONFIG}" --unit-dir /etc/systemd/system --hub-env "${HUB_ENV}" --lib "${ARW_LIB}"
  systemctl daemon-reload
  systemctl enable --now jupyterhub.service arw-idle-agent.timer
}

install_cloudwatch_agent() {
  local arch
  arch="$(dpkg --print-architecture)"
  if [ ! -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl ]; then
    curl -sSfL "https://s3.amazonaws.com/amazoncloudwatch-agent/ubuntu/${arch}/latest/amazon-cloudwatch-agent.deb" -o /tmp/cwagent.deb
    apt-get install -y /tmp/cwagent.deb
  fi
  python3 "${ARW_LIB}/arw_setup.py" cloudwatch-config --config "${CONFIG}" --out "${ARW_ETC}/cloudwatch-agent.json"
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c "file:${ARW_ETC}/cloudwatch-agent.json"
}

main() {
  install_base_packages
  attach_home_volume
  mount_shared_storage
  prepare_scratch
  install_cloudwatch_agent
  mount_data
  install_conda
  install_hub
  install_kernels
  fetch_hub_settings
  install_services
  log "environment $(cfg environment) is ready"
}

main "$@"
