// Times Orekit's HolmesFeatherstoneAttractionModel.gradient() in a Java loop (no JPype overhead per call).
// Compiled on the fly by benchmarks/bench_gravity.py (javac) against the orekit-jpype jars.
import org.hipparchus.geometry.euclidean.threed.Vector3D;
import org.orekit.forces.gravity.HolmesFeatherstoneAttractionModel;
import org.orekit.time.AbsoluteDate;

public final class GravityTimer {
    private GravityTimer() {}

    /** Mean nanoseconds per gradient() call over `reps` passes through the positions xyz (n*3, metres). */
    public static double nsPerCall(HolmesFeatherstoneAttractionModel model, double[] xyz, int reps, double mu) {
        AbsoluteDate date = AbsoluteDate.J2000_EPOCH;
        int n = xyz.length / 3;
        double sink = 0.0;
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < n; i++) {
                double[] g = model.gradient(date, new Vector3D(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]), mu);
                sink += g[0];
            }
        }
        long t1 = System.nanoTime();
        if (sink == 42.0) {
            System.out.print("");
        }
        return (double) (t1 - t0) / ((double) reps * n);
    }
}
