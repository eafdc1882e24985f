"""Figures and EVALUATION.md: numbers come from the CSVs, missing data is marked, never filled."""

import io
import os
import re
import unittest

from analysis import aggregate
from analysis import campaign
from analysis import csvio
from analysis import paths
from analysis import plots
from analysis import report
from analysis import runner

from analysis_testlib import TempCase, read_bytes, small_campaign


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One small measured campaign (crash-reboot) and two planned scenarios not built.
        cls.case = TempCase("run")
        cls.case.setUp()
        case = cls.case
        build = case.make_build(("crash-reboot",))
        crash = small_campaign(name="crash", schemes=("none", "qcd", "sir"), seeds=2)
        crash["params"]["unmodelled"] = "sir"  # the program refuses sir: not yet modelled
        files = [case.write_campaign(crash),
                 case.write_campaign(dict(small_campaign(name="fo", scenario="failover"),
                                          role="failover")),
                 case.write_campaign(dict(small_campaign(name="storm", scenario="reboot-storm"),
                                          role="reboot-storm"))]
        ready, absent = campaign.load_all(files, build)
        outcome = runner.run(ready, build, case.results, source_dir=case.make_source(),
                             stream=io.StringIO())
        assert outcome.ok and len(outcome.not_modelled) == 2
        aggregate.write_all(ready, absent, case.results)
        cls.figures = plots.draw_all(case.results)
        cls.path = report.write(case.results)
        with open(cls.path, encoding="utf-8") as handle:
            cls.text = handle.read()
        cls.results = case.results

    @classmethod
    def tearDownClass(cls):
        cls.case.doCleanups()

    def table_row(self, scheme, section="## 1."):
        part = self.text.split(section, 1)[1]
        for line in part.splitlines():
            if line.startswith("| %s |" % scheme):
                return [c.strip() for c in line.strip("|").split("|")]
        self.fail("no row for %s" % scheme)

    def test_main_table_numbers_come_from_csv(self):
        rows = csvio.read(os.path.join(self.results, "summary", "crash.csv"))
        stat = next(r for r in rows if r["scheme"] == "qcd" and r["metric"] == "recovery_s")
        cells = self.table_row("qcd")
        self.assertEqual(cells[1], "%s (p95 %s; 2/2 recovered)" % (
            report.fmt(float(stat["median"]), " s"), report.fmt(float(stat["p95"]), " s")))

    def test_missing_scenarios_and_schemes_marked(self):
        nm = paths.NOT_MODELLED
        for scheme in ("none", "qcd"):
            cells = self.table_row(scheme)
            self.assertEqual(cells[2:], [nm, nm, nm], "failover, load balancer, SA loss")
        self.assertEqual(self.table_row("sir")[1], nm, "a scheme the program lacks")
        self.assertIn("not measured (scheme not in campaign crash)", self.table_row("trust")[1])
        security = self.text.split("## 2.", 1)[1].split("## 3.", 1)[0]
        self.assertIn(nm, security)
        self.assertFalse(re.search(r"\| [0-9]", security), "no number without data")
        self.assertIn("Campaign `fo`", self.text)
        self.assertIn("scenario failover not yet modelled", self.text)

    def test_figures_drawn_or_skipped_with_a_note(self):
        status = {r["figure"]: r for r in self.figures}
        self.assertEqual(status["recovery-cdf"]["status"], "drawn")
        for name in status["recovery-cdf"]["files"].split():
            self.assertTrue(read_bytes(os.path.join(self.results, name)))
        self.assertEqual(status["timeline-qcd"]["status"], "drawn")
        self.assertEqual(status["reboot-storm"]["status"], "skipped")
        self.assertIn("not yet modelled", status["reboot-storm"]["note"])
        self.assertEqual(status["attacks"]["status"], "skipped")
        self.assertIn("![", self.text)
        self.assertIn("Figure reboot-storm skipped", self.text)
        self.assertIn("figures/recovery-cdf.svg", self.text)

    def test_index(self):
        index = {r["campaign"]: r for r in csvio.read(
            os.path.join(self.results, "summary", "index.csv"))}
        self.assertEqual(index["crash"]["status"], "ok")
        self.assertEqual(index["crash"]["schemes_not_modelled"], "sir")
        self.assertEqual((index["crash"]["runs_expected"], index["crash"]["runs_ok"]), ("6", "4"))
        self.assertEqual(index["fo"]["status"], "not-yet-modelled")
        rows = csvio.read(os.path.join(self.results, "summary", "crash.csv"))
        self.assertNotIn("sir", {r["scheme"] for r in rows})

    def test_ipr_note_and_method(self):
        self.assertIn(report.IPR_NOTE, self.text)
        self.assertIn("QCD became RFC 6290 (Standards Track, June 2011).", self.text)
        self.assertIn("### Campaign `crash`", self.text)
        self.assertIn("| profile | strongswan |", self.text)

    def test_reproducible(self):
        svg = os.path.join(self.results, "figures", "recovery-cdf.svg")
        before = (read_bytes(self.path), read_bytes(svg))
        plots.draw_all(self.results)
        report.write(self.results)
        self.assertEqual((read_bytes(self.path), read_bytes(svg)), before)


if __name__ == "__main__":
    unittest.main()
