"""Aggregation on known inputs: run folders written by hand, CSVs checked number by number."""

import json
import os
import unittest

from analysis import aggregate
from analysis import campaign
from analysis import csvio
from analysis import runner
from analysis import stats

from analysis_testlib import TempCase, dump_json, load_json, read_bytes, small_campaign

VERSION = {"git": "abc1234", "binary_sha256": "0" * 64}


class Aggregate(TempCase):
    def setUp(self):
        super().setUp()
        data = small_campaign(name="agg", schemes=("none", "qcd"), seeds=4)
        data["grid"]["rtt"] = [0.01, 0.2]
        data["axes"] = {"x": "rtt", "series": "scheme"}
        self.camp = campaign.Campaign(self.write_campaign(data), data)
        self.recovery = {}
        for spec in self.camp.runs():
            rtt = float(spec.flags["rtt"])
            value = {"none": 175.0, "qcd": 3 * rtt}[spec.flags["scheme"]] + spec.seed / 100
            if spec.flags["scheme"] == "none" and spec.seed == 4:
                value = None  # did not recover
            self.recovery[spec.run_id] = value
            status = "failed" if (spec.flags["scheme"], rtt, spec.seed) == ("qcd", 0.2, 3) \
                else "ok"
            self.write_run(spec, value, status)

    def write_run(self, spec, recovery, status):
        folder = runner.run_dir(self.results, "agg", spec.run_id)
        os.makedirs(folder)
        record = {"campaign": "agg", "run_id": spec.run_id, "status": status,
                  "code_version": VERSION, "flags": spec.flags}
        with open(os.path.join(folder, "run.json"), "w") as handle:
            json.dump(record, handle)
        if status != "ok":
            return
        summary = {"scenario": "crash-reboot", "scheme": spec.flags["scheme"],
                   "seed": spec.seed, "recovery_s": recovery, "recovered": recovery is not None,
                   "ike_msgs": 6, "cpu_s": {"alice": 0.5, "bob": 0.25 * spec.seed},
                   "crypto_ops": {"bob": {"prf": 10}}, "profile": "strongswan"}
        params = {"scheme": spec.flags["scheme"], "rtt": float(spec.flags["rtt"]),
                  "outDir": folder, "profile": {"name": "strongswan", "tries": 5}}
        for name, data in (("summary.json", summary), ("params.json", params)):
            with open(os.path.join(folder, name), "w") as handle:
                json.dump(data, handle)
        with open(os.path.join(folder, "events.csv"), "w") as handle:
            handle.write("time_s,node,event,peer,spi_i,spi_r,child_spi_in,child_spi_out,notify,"
                         "protected,detail\n1.0,alice,ike-sa-established,bob,1,2,3,4,0,1,\n")

    def test_summary_statistics(self):
        index = aggregate.write_all([self.camp], [], self.results)
        self.assertEqual(index[0]["status"], "incomplete")
        self.assertEqual((index[0]["runs_expected"], index[0]["runs_ok"]), (16, 15))
        rows = csvio.read(os.path.join(self.results, "summary", "agg.csv"))
        self.assertEqual(list(rows[0])[:6], ["campaign", "scenario", "scheme", "rtt", "metric",
                                             "n_runs"])
        by_key = {(r["scheme"], r["rtt"], r["metric"]): r for r in rows}
        none = by_key[("none", "0.01", "recovery_s")]
        expected = stats.describe([175.01, 175.02, 175.03])
        self.assertEqual((none["n_runs"], none["n_ok"], none["count"]), ("4", "4", "3"))
        for column in ("mean", "median", "p95", "ci95_low", "ci95_high", "std"):
            self.assertAlmostEqual(float(none[column]), expected[column], places=6)
        qcd = by_key[("qcd", "0.2", "recovery_s")]
        self.assertEqual((qcd["n_runs"], qcd["n_ok"], qcd["count"]), ("4", "3", "3"))
        self.assertAlmostEqual(float(qcd["median"]), 0.62, places=9)  # seeds 1, 2, 4
        recovered = by_key[("none", "0.2", "recovered")]
        self.assertAlmostEqual(float(recovered["mean"]), 0.75)
        bob = by_key[("qcd", "0.01", "cpu_s.bob")]
        self.assertAlmostEqual(float(bob["mean"]), 0.625)
        self.assertIn(("qcd", "0.01", "crypto_ops.bob.prf"), by_key)
        self.assertNotIn(("qcd", "0.01", "seed"), by_key, "the seed is not a metric")
        self.assertNotIn(("qcd", "0.01", "profile"), by_key, "strings are not metrics")

    def test_runs_and_params_csv(self):
        aggregate.write_all([self.camp], [], self.results)
        runs = csvio.read(os.path.join(self.results, "summary", "agg-runs.csv"))
        self.assertEqual(len(runs), 16)
        self.assertEqual(sum(r["status"] == "failed" for r in runs), 1)
        for run in runs:
            if run["status"] == "ok":
                value = self.recovery[run["run_id"]]
                self.assertEqual(run["recovery_s"], "" if value is None else csvio.fmt(value))
        params = {r["parameter"]: r for r in csvio.read(
            os.path.join(self.results, "summary", "agg-params.csv"))}
        self.assertNotIn("outDir", params)
        self.assertEqual(params["rtt"]["values"], "0.01 | 0.2")
        self.assertEqual(params["profile.name"]["values"], "strongswan")
        events = csvio.read(os.path.join(self.results, "summary",
                                         "agg-timeline-events.csv"))
        self.assertEqual(sorted({e["scheme"] for e in events}), ["none", "qcd"])

    def test_byte_stable(self):
        aggregate.write_all([self.camp], [], self.results)
        path = os.path.join(self.results, "summary", "agg.csv")
        first = read_bytes(path)
        aggregate.write_all([self.camp], [], self.results)
        self.assertEqual(read_bytes(path), first)

    def test_mixed_versions_refused(self):
        spec = self.camp.runs()[0]
        path = os.path.join(runner.run_dir(self.results, "agg", spec.run_id), "run.json")
        record = load_json(path)
        record["code_version"] = {"git": "fff0000", "binary_sha256": "1" * 64}
        dump_json(path, record)
        with self.assertRaises(aggregate.AggregateError):
            aggregate.write_all([self.camp], [], self.results)
        aggregate.write_all([self.camp], [], self.results, allow_mixed=True)


if __name__ == "__main__":
    unittest.main()
