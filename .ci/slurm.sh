#!/usr/bin/env bash
# A single-node Slurm cluster on this machine for the sweep tests (reference/slurm_single_node.md):
#   .ci/slurm.sh install   apt-get Debian's slurm-wlm and munge when sbatch is missing
#   .ci/slurm.sh up        write slurm.conf, start munged, slurmctld and slurmd; wait for an idle node
#   .ci/slurm.sh down      stop the daemons this script started
# Needs root (the daemons run as root: SlurmUser=root). State lives under /var/spool/skill-lab-slurm.
set -euo pipefail
STATE=/var/spool/skill-lab-slurm
CONF=/etc/slurm/slurm.conf

install() {
  command -v sbatch > /dev/null && command -v slurmctld > /dev/null && command -v munged > /dev/null && return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge > /dev/null
}

up() {
  local host cpus mem
  host=$(hostname)
  cpus=$(nproc)
  # RealMemory (MB) so that sweeps asking for --mem fit; Slurm's default is 1 MB.
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  mkdir -p "$STATE/ctld" "$STATE/d" /etc/slurm /var/log/slurm /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2> /dev/null
    chmod 400 /etc/munge/munge.key
  fi
  cat > "$CONF" << CONF
ClusterName=skilllab
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
SchedulerParameters=sched_interval=1
KillWait=30
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  if ! munge -n 2> /dev/null | unmunge > /dev/null 2>&1; then
    munged --force > /dev/null 2>&1 || true
  fi
  munge -n | unmunge | grep -q 'STATUS: *Success' || { echo "munge does not work"; exit 1; }
  if ! sinfo > /dev/null 2>&1; then
    nohup slurmctld -D > /var/log/slurm/ctld.out 2>&1 &
    echo $! > "$STATE/ctld.launch.pid"
    sleep 2
  fi
  if ! pgrep -x slurmd > /dev/null; then
    nohup slurmd -D > /var/log/slurm/d.out 2>&1 &
    echo $! > "$STATE/d.launch.pid"
  fi
  for _ in $(seq 1 60); do
    if sinfo -h -o '%t' 2> /dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "slurm: node $host ($cpus CPUs) $(sinfo -h -o '%t')"
      return 0
    fi
    sleep 1
  done
  echo "slurm did not come up:"; sinfo || true; tail -20 /var/log/slurm/ctld.out /var/log/slurm/d.out || true
  exit 1
}

down() {
  for f in d ctld; do
    if [ -f "$STATE/$f.launch.pid" ]; then
      kill "$(cat "$STATE/$f.launch.pid")" 2> /dev/null || true
      rm -f "$STATE/$f.launch.pid"
    fi
  done
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  *) echo "usage: $0 install|up|down"; exit 2 ;;
esac
