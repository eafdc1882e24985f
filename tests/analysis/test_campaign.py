"""Campaign files: every kind of bad file fails before anything runs, naming file and problem."""

import os
import unittest

from analysis import campaign
from analysis import scenario_flags

from analysis_testlib import TempCase, small_campaign

NS3_HELP = """crash-reboot [Program Options] [General Arguments]

Program Options:
    --scheme:    Crash-recovery scheme (none|hint|initial-contact|trust) [none]
    --bootTime:  From Bob's crash to his stack answering again, s [30]
    --rtt:       rtt [+50ms]
    --pcap:      Write WAN pcaps [false]
    --outDir:    Run folder

General Arguments:
    --PrintGlobals:              Print the list of globals.
    --PrintHelp:                 Print this help message.
"""


class HelpParsing(unittest.TestCase):
    def test_ns3_help(self):
        flags = scenario_flags.parse_help(NS3_HELP)
        self.assertEqual(sorted(flags), ["bootTime", "outDir", "pcap", "rtt", "scheme"])
        self.assertEqual(flags["scheme"].kind, "choice")
        self.assertEqual(flags["scheme"].choices, ("none", "hint", "initial-contact", "trust"))
        self.assertEqual(flags["bootTime"].kind, "number")
        self.assertEqual(flags["rtt"].kind, "time")
        self.assertEqual(flags["pcap"].kind, "bool")
        self.assertIsNone(flags["outDir"].default)
        self.assertNotIn("PrintGlobals", flags)

    def test_values(self):
        flags = scenario_flags.parse_help(NS3_HELP)
        check = scenario_flags.check_value
        self.assertIsNone(check("bootTime", 0.5, flags))
        self.assertIsNone(check("rtt", "20ms", flags))
        self.assertIsNone(check("rtt", 0.02, flags))
        self.assertIsNone(check("pcap", True, flags))
        self.assertIn("not a number", check("bootTime", "soon", flags))
        self.assertIn("not a number", check("bootTime", True, flags))
        self.assertIn("one of none|hint", check("scheme", "qcdd", flags))
        self.assertIn("not a boolean", check("pcap", 1.5, flags))
        self.assertIn("use a string", check("rtt", [1], flags))

    def test_unsupported_schemes_are_not_modelled(self):
        flags = scenario_flags.parse_help(NS3_HELP)
        camp = campaign.Campaign("x.json", small_campaign(schemes=("none", "qcd", "sir")))
        message = campaign._drop_unsupported_schemes(camp, flags)
        self.assertIn("qcd, sir", message)
        self.assertEqual(camp.grid["scheme"], ["none"])
        self.assertEqual(camp.unsupported_schemes, ["qcd", "sir"])

    def test_format_value(self):
        self.assertEqual(scenario_flags.format_value(True), "true")
        self.assertEqual(scenario_flags.format_value(30), "30")
        self.assertEqual(scenario_flags.format_value(0.05), "0.05")
        self.assertEqual(scenario_flags.format_value("50ms"), "50ms")


class Validation(TempCase):
    def setUp(self):
        super().setUp()
        self.build = self.make_build(("crash-reboot",))

    def problems(self, data=None, raw=None, name="bad"):
        path = self.write_campaign(data, name=name, raw=raw)
        with self.assertRaises(campaign.CampaignError) as ctx:
            campaign.load_all([path], self.build)
        text = str(ctx.exception)
        self.assertIn(path, text, "every problem names its file")
        self.assertFalse(os.path.exists(self.results), "nothing may run")
        return text

    def test_unknown_scenario(self):
        text = self.problems(small_campaign(scenario="warp-drive"))
        self.assertIn('unknown scenario "warp-drive"', text)

    def test_planned_scenario_without_binary_is_skipped(self):
        path = self.write_campaign(small_campaign(scenario="reboot-storm"), name="storm")
        ready, absent = campaign.load_all([path], self.build)
        self.assertEqual(ready, [])
        self.assertEqual(len(absent), 1)
        self.assertIn("not yet modelled", absent[0][1])

    def test_unknown_flag(self):
        data = small_campaign()
        data["params"]["bootTme"] = 3
        text = self.problems(data)
        self.assertIn("unknown flag --bootTme", text)
        self.assertIn("did you mean --bootTime", text)

    def test_bad_values(self):
        data = small_campaign()
        data["grid"]["bootTime"] = [1, "soon"]
        data["params"]["profile"] = "racoon"
        text = self.problems(data)
        self.assertIn('grid.bootTime: value "soon" of --bootTime is not a number', text)
        self.assertIn("params.profile", text)
        self.assertIn("one of strongswan|libreswan|iked|custom", text)

    def test_non_scalar_value(self):
        data = small_campaign()
        data["params"]["rtt"] = {"ms": 5}
        self.assertIn("params.rtt: value", self.problems(data))

    def test_empty_grid(self):
        data = small_campaign()
        data["grid"] = {}
        self.assertIn("empty grid", self.problems(data))

    def test_empty_value_list(self):
        data = small_campaign()
        data["grid"]["bootTime"] = []
        self.assertIn("grid.bootTime: must be a non-empty list", self.problems(data))

    def test_duplicate_keys(self):
        raw = ('{"name": "d", "scenario": "crash-reboot", "params": {}, '
               '"grid": {"scheme": ["none"], "scheme": ["qcd"]}, "seeds": 2}')
        self.assertIn('duplicate key "scheme"', self.problems(raw=raw))

    def test_duplicate_grid_value(self):
        data = small_campaign(schemes=("none", "none"))
        self.assertIn('grid.scheme: duplicate value "none"', self.problems(data))

    def test_structure(self):
        data = small_campaign(seeds=0, colour="red")
        del data["scenario"]
        data["params"]["RngRun"] = 4
        data["axes"] = {"x": "bootTime"}
        text = self.problems(data)
        for expected in ('missing key "scenario"', 'unknown key "colour"',
                         '"seeds" must be at least 1', 'flag "RngRun" is set by the runner',
                         'axes.x: "bootTime" is not a grid flag'):
            self.assertIn(expected, text)

    def test_flag_in_params_and_grid(self):
        data = small_campaign()
        data["params"]["scheme"] = "none"
        self.assertIn('flag "scheme" is both in params and in grid', self.problems(data))

    def test_not_json(self):
        self.assertIn("not a valid campaign file", self.problems(raw="{name: 1"))

    def test_all_files_checked_at_once(self):
        good = self.write_campaign(small_campaign(name="good"))
        bad1 = self.write_campaign(small_campaign(name="b1", scenario="nope"))
        bad2 = self.write_campaign(dict(small_campaign(name="b2"), grid={}))
        with self.assertRaises(campaign.CampaignError) as ctx:
            campaign.load_all([good, bad1, bad2], self.build)
        self.assertEqual(len(ctx.exception.problems), 2)

    def test_duplicate_campaign_names(self):
        one = self.write_campaign(small_campaign(name="same"), name="one")
        two = self.write_campaign(small_campaign(name="same"), name="two")
        with self.assertRaises(campaign.CampaignError) as ctx:
            campaign.load_all([one, two], self.build)
        self.assertIn('campaign name "same" is also used', str(ctx.exception))

    def test_expansion(self):
        data = small_campaign(schemes=("none", "qcd", "sir"), seeds=[3, 7])
        data["grid"]["bootTime"] = [2, 30.5]
        path = self.write_campaign(data, name="ok")
        ready, absent = campaign.load_all([path], self.build)
        runs = ready[0].runs()
        self.assertEqual(len(runs), 3 * 2 * 2)
        self.assertEqual(len({r.run_id for r in runs}), len(runs))
        first = runs[0]
        self.assertEqual(first.args(), ["--profile=strongswan", "--scheme=none", "--bootTime=2",
                                        "--RngRun=3"])
        again = campaign.load(path).runs()[0]
        self.assertEqual(again.run_id, first.run_id, "run ids are stable")


if __name__ == "__main__":
    unittest.main()
