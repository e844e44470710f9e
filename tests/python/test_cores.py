"""How many cores the sidecar spreads an import over (contacts/cores.py): its CPU affinity, capped by a cgroup CPU
quota, read from cgroup file trees laid out as Linux lays them out (v1, v2, a container's own cgroup mounted at
the root)."""
import os
import subprocess
import sys

from contacts import cores


def cgroup_tree(root, files, membership):
    """Write FILES {relative path: text} under ROOT and the /proc/self/cgroup text MEMBERSHIP; its path."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    proc = root / "proc-self-cgroup"
    proc.write_text(membership)
    return str(root / "sys"), str(proc)


def test_a_v2_quota_rounds_up_to_whole_cores(tmp_path):
    """cpu.max "150000 100000" (docker --cpus=1.5) allows two threads to run; "max" sets no cap."""
    root, proc = cgroup_tree(tmp_path, {"sys/app.slice/bms.service/cpu.max": "150000 100000\n"},
                             "0::/app.slice/bms.service\n")
    assert cores.cgroup_cores(root, proc) == 2
    (tmp_path / "sys/app.slice/bms.service/cpu.max").write_text("max 100000\n")
    assert cores.cgroup_cores(root, proc) is None


def test_the_smallest_quota_from_the_cgroup_up_to_the_root_holds(tmp_path):
    """A parent's quota caps its children: the parent's 1 core wins over the child's 3."""
    root, proc = cgroup_tree(tmp_path, {"sys/team/cpu.max": "100000 100000\n",
                                        "sys/team/worker/cpu.max": "300000 100000\n"}, "0::/team/worker\n")
    assert cores.cgroup_cores(root, proc) == 1


def test_a_v1_quota_is_read_from_the_cpu_hierarchy(tmp_path):
    """Hybrid hosts list v1 hierarchies first; the quota is the cpu one's (cpu,cpuacct mounted together)."""
    membership = "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n"
    root, proc = cgroup_tree(tmp_path, {"sys/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "250000\n",
                                        "sys/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
                                        "sys/memory/docker/abc/cpu.cfs_quota_us": "100000\n"}, membership)
    assert cores.cgroup_cores(root, proc) == 3
    (tmp_path / "sys/cpu,cpuacct/docker/abc/cpu.cfs_quota_us").write_text("-1\n")
    assert cores.cgroup_cores(root, proc) is None


def test_a_container_whose_own_cgroup_is_mounted_at_the_root(tmp_path):
    """/proc names the host's path, which the container cannot see: the quota at the mount's root is used."""
    root, proc = cgroup_tree(tmp_path, {"sys/cpu/cpu.cfs_quota_us": "100000\n",
                                        "sys/cpu/cpu.cfs_period_us": "100000\n"}, "2:cpu:/kubepods/pod1/c1\n")
    assert cores.cgroup_cores(root, proc) == 1


def test_no_cgroup_files_or_malformed_ones_set_no_cap(tmp_path):
    """macOS-like (no files), or garbage in them: no quota, so the affinity alone decides."""
    assert cores.cgroup_cores(str(tmp_path / "none"), str(tmp_path / "missing")) is None
    root, proc = cgroup_tree(tmp_path, {"sys/cpu.max": "lots 0\n"}, "0::/\n")
    assert cores.cgroup_cores(root, proc) is None


def test_a_process_pinned_to_one_core_counts_one_worker():
    """Pinned to one core (as taskset does), the engine counts one worker: no second thread is asked to share."""
    backend = os.path.dirname(os.path.dirname(os.path.abspath(cores.__file__)))
    code = "import sys; sys.path.insert(0, %r); from contacts import cores; print(cores.WORKERS)" % backend
    pinned = subprocess.run([sys.executable, "-c", "import os, subprocess, sys; os.sched_setaffinity(0, {min("
                             "os.sched_getaffinity(0))}); print(subprocess.run([sys.executable, '-c', %r], "
                             "capture_output=True, text=True, check=True).stdout)" % code],
                            capture_output=True, text=True, check=True)
    assert pinned.stdout.split()[0] == "1"
