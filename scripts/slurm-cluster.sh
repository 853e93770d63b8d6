#!/usr/bin/env bash
# A private single-node Slurm cluster on loopback, for the Slurm tests and for trying
# `exp run --executor slurm` on one machine. Everything (munge key and socket, configuration,
# state, logs, PID files) lives in one folder; nothing under /etc is read or changed.
#
#   scripts/slurm-cluster.sh start DIR   # start munged, slurmctld and slurmd; prints the SLURM_CONF line
#   scripts/slurm-cluster.sh stop DIR    # stop them by PID
#   scripts/slurm-cluster.sh env DIR     # the environment to use the cluster: eval "$(... env DIR)"
#
# Needs Debian's slurmctld, slurmd, slurm-client and munge packages (Slurm 22.05 tested). Works
# without systemd or cgroups: process tracking by /proc, no task plugin, no accounting database
# (so `sacct` does not answer). A requeued task restarts after about 12 s (cred_expire=10 and a
# 2 s scheduler interval instead of 120 s).
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
    echo "usage: $0 start|stop|env DIR" >&2
    exit 2
fi

env_lines() {
    echo "export SLURM_CONF=$dir/slurm.conf"
}

stop() {
    for name in slurmd slurmctld munged; do
        local pidfile="$dir/$name.pid"
        if [[ -f "$pidfile" ]]; then
            local pid
            pid=$(cat "$pidfile")
            if kill "$pid" 2>/dev/null; then
                for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$pid" 2>/dev/null || true
            fi
            rm -f "$pidfile"
        fi
    done
}

# A TCP port on loopback that nothing listens on (python3 asks the kernel for one; without python3,
# random ports are tried until a connection to one is refused).
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local port
    while true; do
        port=$(( 20000 + RANDOM % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

start() {
    for tool in munged slurmctld slurmd sbatch squeue scontrol; do
        if ! command -v "$tool" >/dev/null && ! [[ -x "/usr/sbin/$tool" ]]; then
            echo "$tool is not installed: apt-get install slurmctld slurmd slurm-client munge" >&2
            exit 3
        fi
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    stop
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
    chmod 755 "$dir" "$dir/munge"
    local user
    user=$(id -un)
    if [[ ! -f "$dir/munge.key" ]]; then
        head -c 1024 /dev/urandom > "$dir/munge.key"
    fi
    chmod 400 "$dir/munge.key"
    local socket="$dir/munge/munge.socket"
    # --force: munged otherwise refuses a key folder or socket folder it considers insecure.
    /usr/sbin/munged --force --key-file="$dir/munge.key" --socket="$socket" --pid-file="$dir/munged.pid" \
        --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed"
    local cpus memory ctld_port slurmd_port
    cpus=$(nproc)
    memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
    ctld_port=$(free_port)
    slurmd_port=$(free_port)
    cat > "$dir/slurm.conf" <<EOF
ClusterName=exp-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=none
ReturnToService=2
JobRequeue=1
MinJobAge=600
MaxArraySize=10001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    /usr/sbin/slurmctld -f "$SLURM_CONF" -i
    /usr/sbin/slurmd -f "$SLURM_CONF" -N localhost
    # Ready when the node answers idle.
    for _ in $(seq 100); do
        if sinfo -h -N -o '%t' 2>/dev/null | grep -q -E '^(idle|mix|alloc)'; then
            env_lines
            return 0
        fi
        sleep 0.1
    done
    echo "the cluster in $dir did not come up; see $dir/log/" >&2
    sinfo -N 2>&1 >&2 || true
    exit 4
}

case "$command" in
    start) start ;;
    stop) stop ;;
    env) dir=$(cd "$dir" && pwd); env_lines ;;
    *) echo "usage: $0 start|stop|env DIR" >&2; exit 2 ;;
esac
