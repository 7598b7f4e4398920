// Times Orekit's HolmesFeatherstoneAttractionModel.gradient() in a Java loop (no JPype overhead per call).
// Compiled on the fly by benchmarks/bench_gravity.py (folder not named "java": that would shadow JPype's java package) (javac) against the orekit-jpype jars.
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.hipparchus.geometry.euclidean.threed.Vector3D;
import org.orekit.forces.gravity.HolmesFeatherstoneAttractionModel;
import org.orekit.time.AbsoluteDate;

public final class GravityTimer {
    private GravityTimer() {}

    /** Mean wall-clock nanoseconds per gradient() call over `reps` passes through xyz (n*3, metres). */
    public static double nsPerCall(HolmesFeatherstoneAttractionModel model, double[] xyz, int reps, double mu) {
        return run(model, xyz, reps, mu, false);
    }

    /** Same, in thread CPU nanoseconds (insensitive to other processes sharing the CPU). */
    public static double cpuNsPerCall(HolmesFeatherstoneAttractionModel model, double[] xyz, int reps, double mu) {
        return run(model, xyz, reps, mu, true);
    }

    private static double run(HolmesFeatherstoneAttractionModel model, double[] xyz, int reps, double mu,
                              boolean cpu) {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        AbsoluteDate date = AbsoluteDate.J2000_EPOCH;
        int n = xyz.length / 3;
        double sink = 0.0;
        long t0 = cpu ? bean.getCurrentThreadCpuTime() : System.nanoTime();
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < n; i++) {
                double[] g = model.gradient(date, new Vector3D(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]), mu);
                sink += g[0];
            }
        }
        long t1 = cpu ? bean.getCurrentThreadCpuTime() : System.nanoTime();
        if (sink == 42.0) {
            System.out.print("");
        }
        return (double) (t1 - t0) / ((double) reps * n);
    }
}
