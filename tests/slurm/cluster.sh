#!/usr/bin/env bash
# A real single-node Slurm for the integration tests: this machine as one node
# with its real CPUs and memory, munge for authentication, no accounting
# daemon (job states come from `scontrol show job` and the job-completion log).
#
#   tests/slurm/cluster.sh start DIR   install if missing (root), configure under DIR,
#                                      start munged, slurmctld and slurmd, wait for idle
#   tests/slurm/cluster.sh stop DIR    stop what start started
#
# SLURM_TEST_CTLD_PORT and SLURM_TEST_SLURMD_PORT choose the ports (16817, 16818).
#
# Prints `SLURM_CONF=DIR/slurm.conf` on success. Exits 3 with the reason on
# stderr where Slurm cannot be started here (the tests then skip, counted).
set -euo pipefail

cmd=${1:?usage: cluster.sh start|stop DIR}
dir=$(mkdir -p "${2:?usage: cluster.sh start|stop DIR}" && cd "$2" && pwd)

cannot() { echo "slurm unavailable: $*" >&2; exit 3; }

install_if_missing() {
    command -v slurmctld > /dev/null && command -v munged > /dev/null && return
    [ "$(id -u)" = 0 ] || cannot "slurm-wlm is not installed and installing it needs root (apt-get install slurm-wlm munge)"
    command -v apt-get > /dev/null || cannot "slurm-wlm is not installed and there is no apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q > "$dir/apt.log" 2>&1 || cannot "apt-get update failed (see $dir/apt.log)"
    apt-get install -y -q slurm-wlm munge >> "$dir/apt.log" 2>&1 || cannot "apt-get install slurm-wlm munge failed (see $dir/apt.log)"
}

start_munge() {
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile /etc/munge/munge.key > /dev/null 2>&1 || cannot "no munge key and mungekey failed"
        chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    if ! munge -n > /dev/null 2>&1; then
        runuser -u munge -- /usr/sbin/munged || cannot "munged would not start"
    fi
    for _ in $(seq 50); do munge -n > /dev/null 2>&1 && return; sleep 0.1; done
    cannot "munged started but munge -n fails"
}

write_conf() {
    local host cpus mem
    host=$(hostname -s)
    cpus=$(nproc)
    # Leave the OS 1 GiB; Slurm refuses a node that reports less than it is configured with.
    mem=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) - 1024 ))
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    cat > "$dir/slurm.conf" <<CONF
ClusterName=scalable-test
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=${SLURM_TEST_CTLD_PORT:-16817}
SlurmdPort=${SLURM_TEST_SLURMD_PORT:-16818}
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1
JobAcctGatherParams=OverMemoryKill
# OUT_OF_MEMORY, TIMEOUT and exit codes stay readable with `scontrol show job` for an hour.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.log
MinJobAge=3600
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
# Workers of every component run at once on 2 cores: jobs share them.
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
    echo "$dir/slurm.conf"
}

wait_idle() {
    local state=""
    for _ in $(seq 100); do
        state=$(SLURM_CONF="$dir/slurm.conf" sinfo -h -o %T 2>/dev/null | head -1 || true)
        case "$state" in idle|mixed|allocated) return ;; esac
        sleep 0.2
    done
    cannot "the node did not become idle (state '${state:-none}'; see $dir/log)"
}

case "$cmd" in
start)
    install_if_missing
    [ "$(id -u)" = 0 ] || cannot "slurmd must run as root"
    start_munge
    conf=$(write_conf)
    "$0" stop "$dir" > /dev/null 2>&1 || true
    slurmctld -f "$conf" -i || cannot "slurmctld would not start (see $dir/log/slurmctld.log)"
    slurmd -f "$conf" || cannot "slurmd would not start (see $dir/log/slurmd.log)"
    wait_idle
    echo "SLURM_CONF=$conf"
    ;;
stop)
    for daemon in slurmd slurmctld; do
        pidfile="$dir/$daemon.pid"
        if [ -s "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2> /dev/null || true
        fi
    done
    for _ in $(seq 50); do
        pgrep -f "slurm(ctld|d) -f $dir/slurm.conf" > /dev/null || exit 0
        sleep 0.1
    done
    pkill -9 -f "slurm(ctld|d) -f $dir/slurm.conf" || true
    ;;
*)
    echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
