"""Statistics on known inputs: the t quantile without scipy, percentiles, confidence intervals."""

import math
import unittest

from analysis import stats
from analysis.tdist import t_cdf, t_quantile


class TQuantile(unittest.TestCase):
    def test_closed_forms(self):
        for p in (0.6, 0.9, 0.975, 0.995):
            # df = 1 is the Cauchy distribution; df = 2 has t = (2p-1) sqrt(2 / (1-(2p-1)^2)).
            self.assertAlmostEqual(t_quantile(p, 1), math.tan(math.pi * (p - 0.5)), places=9)
            a = 2 * p - 1
            self.assertAlmostEqual(t_quantile(p, 2), a * math.sqrt(2 / (1 - a * a)), places=9)

    def test_table_values(self):
        # Two-sided 95% critical values t(0.975, df), to 9 decimals.
        table = {3: 3.182446305, 4: 2.776445105, 9: 2.262157163, 29: 2.045229642,
                 30: 2.042272456, 100: 1.983971519}
        for df, value in table.items():
            self.assertAlmostEqual(t_quantile(0.975, df), value, places=7, msg="df=%d" % df)

    def test_symmetry_and_cdf(self):
        self.assertEqual(t_quantile(0.5, 7), 0.0)
        self.assertAlmostEqual(t_quantile(0.025, 7), -t_quantile(0.975, 7), places=12)
        self.assertAlmostEqual(t_cdf(t_quantile(0.9, 5), 5), 0.9, places=10)
        self.assertAlmostEqual(t_cdf(0.0, 3), 0.5, places=12)

    def test_against_scipy_when_installed(self):
        try:
            from scipy.stats import t as scipy_t
        except ImportError:
            self.skipTest("python3-scipy not installed (the implementation does not need it)")
        for df in (1, 2, 3, 5, 8, 13, 50, 500):
            for p in (0.55, 0.8, 0.95, 0.975, 0.999):
                self.assertAlmostEqual(t_quantile(p, df), scipy_t.ppf(p, df), delta=1e-6)


class Describe(unittest.TestCase):
    def test_known_sample(self):
        out = stats.describe([4, 1, 3, 2])
        self.assertEqual(out["count"], 4)
        self.assertEqual(out["mean"], 2.5)
        self.assertEqual(out["median"], 2.5)
        self.assertAlmostEqual(out["p95"], 3.85)  # 3 + 0.85 * (4 - 3), type 7
        std = math.sqrt(5 / 3)
        self.assertAlmostEqual(out["std"], std)
        half = 3.182446305284263 * std / 2
        self.assertAlmostEqual(out["ci95_low"], 2.5 - half, places=9)
        self.assertAlmostEqual(out["ci95_high"], 2.5 + half, places=9)
        self.assertEqual((out["min"], out["max"]), (1, 4))

    def test_nulls_and_small_samples(self):
        out = stats.describe([None, 7.0, float("nan")])
        self.assertEqual(out["count"], 1)
        self.assertEqual(out["median"], 7.0)
        self.assertIsNone(out["ci95_low"])
        self.assertIsNone(out["std"])
        empty = stats.describe([None, None])
        self.assertEqual(empty["count"], 0)
        self.assertIsNone(empty["mean"])

    def test_percentile_matches_numpy(self):
        import numpy

        values = [0.3, 9.1, 2.2, 2.2, 5.0, 7.7, 1.0]
        for q in (0, 10, 50, 95, 100):
            self.assertAlmostEqual(stats.percentile(values, q), numpy.percentile(values, q))

    def test_booleans_are_fractions(self):
        out = stats.describe([True, False, True, True])
        self.assertEqual(out["mean"], 0.75)


if __name__ == "__main__":
    unittest.main()
