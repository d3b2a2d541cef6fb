"""`scripts/simulate`: run scenario files, print results, exit 0 (pass), 1 (fail), 2 (invalid)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from .loader import load_scenarios
from .report import summary
from .result import Result
from .runner import run
from .scenario import Scenario, ScenarioError

EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/simulate",
        description="Run scenario files through the Ampwise engine in a closed-loop house model.",
        epilog="Exit status: 0 every expectation holds, 1 one fails, 2 a file is not a valid "
        "scenario. Format: spec/scenario-format.md and simulator/README.md.",
    )
    parser.add_argument("files", nargs="+", metavar="SCENARIO.yaml")
    parser.add_argument("--json", action="store_true", help="one JSON object per scenario")
    parser.add_argument(
        "--plot",
        metavar="OUT.png",
        help="write a PNG per scenario (OUT-<name>.png when there are several)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    scenarios: list[Scenario] = []
    invalid = False
    for file in args.files:
        try:
            scenarios.extend(load_scenarios(file))
        except ScenarioError as err:
            print(err, file=sys.stderr)
            invalid = True
    if invalid:
        return EXIT_INVALID

    results: list[Result] = []
    all_passed = True
    for scenario in scenarios:
        try:
            result = run(scenario)
        except Exception as err:  # an engine crash fails that scenario, not the whole batch
            traceback.print_exc()
            all_passed = False
            _print_crash(scenario, err, args.json)
            continue
        results.append(result)
        all_passed = all_passed and result.passed
        print(json.dumps(result.as_json()) if args.json else summary(result), flush=True)

    if args.plot:
        _plot(results, Path(args.plot))
    return EXIT_PASSED if all_passed else EXIT_FAILED


def _print_crash(scenario: Scenario, err: Exception, as_json: bool) -> None:
    failure = f"the run raised {type(err).__name__}: {err}"
    if as_json:
        line = {"name": scenario.name, "passed": False, "failures": [failure]}
        print(json.dumps({**line, "metrics": {}, "final": {}}), flush=True)
    else:
        print(f"FAIL {scenario.name}\n    - {failure}", flush=True)


def _plot(results: Sequence[Result], out: Path) -> None:
    from .plot import plot_result  # matplotlib is slow to import; only when asked

    if len(results) == 1:
        plot_result(results[0], out)
        return
    used: set[str] = set()
    for result in results:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", result.scenario.name)
        name, n = stem, 1
        while name in used:  # the same name in two files
            n += 1
            name = f"{stem}-{n}"
        used.add(name)
        plot_result(result, out.with_name(f"{out.stem}-{name}{out.suffix or '.png'}"))


if __name__ == "__main__":
    sys.exit(main())
