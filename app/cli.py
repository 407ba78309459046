"""The `ragvsft` command line: a subcommand per stage (the functions in app/commands.py), each
with `--help` that shows its options and an example. Bad input ends with one line on stderr and
exit code 2 (an InputError), before anything is written.

    ragvsft run --config configs/quick.yaml
    ragvsft --help
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Callable

from core.config import ExperimentConfig
from core.config_files import load_config, with_overrides
from core.errors import InputError, PointsFailed
from core.rundir import check_output_dir
from core.quiet import configure_logging
from app import commands
from eval.catalogue import ARMS

Arguments = Callable[[argparse.ArgumentParser], None]  # adds a subcommand's own options


def _round(p: argparse.ArgumentParser) -> None:
    p.add_argument("--round", required=True, help="the round's directory name under <corpus>/updates/")


def _resume(p: argparse.ArgumentParser) -> None:
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in <out>/checkpoints")


def _sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("--arm", required=True, choices=list(ARMS), help="the arm to evaluate at every point")
    p.add_argument("--key", required=True, help="the config key to vary, e.g. rag.top_k")
    p.add_argument("--values", required=True, help="comma-separated values, e.g. 1,2,3,5,8")


def _kb(p: argparse.ArgumentParser) -> None:
    p.add_argument("--facts", required=True, type=int, help="how many facts the knowledge base states, e.g. 300")
    p.add_argument("--out", required=True, type=Path, help="the corpus directory to write, e.g. corpora/kb-300")
    p.add_argument("--force", action="store_true", help="replace an existing directory")


def _run_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True, type=Path, help="a finished run directory, e.g. runs/default")


def _two_runs(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_a", type=Path, help="run directory A (the reference)")
    p.add_argument("run_b", type=Path, help="run directory B")
    p.add_argument("--out", type=Path, default=None, help="where to write comparison.md/json (default runs/compare/<A>-vs-<B>)")
    p.add_argument("--force", action="store_true", help="replace an existing comparison in --out")


def _synth(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", required=True, type=Path, help="the directory with documents.jsonl (e.g. made by ragvsft import)")
    p.add_argument("--force", action="store_true", help="replace existing questions.jsonl, updates/ and deletions/")


def _import(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", type=Path, help="a folder of .md, .txt, .pdf and .jsonl files (read recursively)")
    p.add_argument("--out", required=True, type=Path, help="the corpus directory to write documents.jsonl into")
    p.add_argument("--max-words", type=int, default=800, help="files longer than this are split at their headings (default 800)")
    p.add_argument("--force", action="store_true", help="replace an existing documents.jsonl")


def _ui(p: argparse.ArgumentParser) -> None:
    _run_dir(p)
    p.add_argument("--host", default="127.0.0.1", help="the address to serve on (default 127.0.0.1: this machine only; 0.0.0.0 for a room's network)")
    p.add_argument("--port", type=int, default=None, help="the port (default 7860, or the next free one)")
    p.add_argument("--share", action="store_true", help="also make a public gradio.live link (off unless asked; needs network)")
    p.add_argument("--save-dir", type=Path, default=None, help="where \"Save as update round\" keeps the rounds on this machine, each in a new "
                   "folder the server names (default: only offered as a download; a browser never chooses a path)")


def _advise(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", type=Path, default=None, help="the application profile (YAML; docs/advise.md), or a bundled one by name: quillfeather, exercise")
    p.add_argument("--run", action="append", type=Path, default=[], help="a finished run directory (repeatable: the runs combine)")
    p.add_argument("--out", type=Path, default=None, help="where to write advice.json/.md/.html (default runs/advice/<profile name>)")
    p.add_argument("--force", action="store_true", help="replace an existing advice in --out")
    p.add_argument("--render", type=Path, default=None, metavar="DIR", help="re-render DIR's advice.md/.html from its advice.json, alone")


def _bench(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("runs/bench"), help="where to write bench.json and bench.md (default runs/bench)")
    p.add_argument("--quick", action="store_true", help="tiny sizes (seconds, not minutes): checks the benchmark runs, measures little")
    p.add_argument("--vectors", default=None, help="comma-separated synthetic index sizes (default 10000,100000,1000000)")


def _smoke(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    p.add_argument("--dtype", default="bf16", choices=["bf16", "fp16", "fp32"], help="the models' dtype (default bf16)")
    p.add_argument("--workdir", type=Path, default=None, help="where to write the tiny models, corpus and run (default: a new temp directory)")


def _none(p: argparse.ArgumentParser) -> None:
    pass


RUN, OPTIONAL, NO_CONFIG = "run", "optional", None  # what a command takes: config + run dir, a config alone, neither


# name -> (function, which config arguments (RUN: --config/--set/--out; OPTIONAL: --config/--set), examples, extra arguments)
COMMANDS: dict[str, tuple[Callable, str | None, str, Arguments]] = {
    "run": (commands.run, RUN, """\
  ragvsft run --config configs/default.yaml             # what `make demo` runs
  ragvsft run --config configs/quick.yaml --set rag.top_k=5 --out runs/k5
  ragvsft run --config configs/default.yaml --set corpus.dir=path/to/my_corpus""", _none),
    "index": (commands.index, RUN, """\
  ragvsft index --config configs/quick.yaml
  ragvsft index --config configs/default.yaml --set rag.retriever=hybrid --out runs/hybrid""", _none),
    "train": (commands.train, RUN, """\
  ragvsft train --config configs/quick.yaml
  ragvsft train --config configs/default.yaml --resume          # after an interruption
  accelerate launch --num_processes 2 -m app.cli train --config configs/default.yaml   # several GPUs""", _resume),
    "evaluate": (commands.evaluate, RUN, """\
  ragvsft index --config configs/quick.yaml && ragvsft train --config configs/quick.yaml
  ragvsft evaluate --config configs/quick.yaml --set eval.arms=[base,rag]""", _none),
    "update": (commands.update, RUN, """\
  ragvsft run --config configs/quick.yaml                       # or index + train
  ragvsft update --config configs/quick.yaml --round r1-policy-changes""", _round),
    "sweep": (commands.sweep, RUN, """\
  ragvsft sweep --config configs/default.yaml --arm rag --key rag.top_k --values 1,2,3,5,8
  ragvsft sweep --config configs/default.yaml --arm rag --key rag.retriever --values dense,bm25,hybrid
  ragvsft sweep --config configs/quick.yaml --arm lora --key finetune.paraphrases_per_fact --values 1,2,3""", _sweep),
    "scale": (commands.scale, RUN, """\
  ragvsft scale --config configs/scale.yaml                       # 100, 300 and 1000 facts: about an hour on 2 cores
  ragvsft scale --config configs/scale.yaml --set "scale.sizes=[100,300,1000,3000]" --out runs/scale-3k
  ragvsft scale --config configs/scale.yaml --set run.executor=ray --set run.ray_address=auto   # sizes on a Ray cluster""", _none),
    "import": (commands.import_documents, NO_CONFIG, """\
  ragvsft import ~/company-docs --out corpora/company
  ragvsft synth --corpus corpora/company && ragvsft run --config configs/default.yaml --set corpus.dir=corpora/company""", _import),
    "synth": (commands.synth, OPTIONAL, """\
  ragvsft synth --corpus my_corpus                                   # offline rules generator
  ragvsft synth --corpus my_corpus --set synth.facts_per_document=6 --force
  ragvsft synth --corpus my_corpus --set synth.generator=Qwen/Qwen2.5-7B-Instruct --set model.device=cuda""", _synth),
    "kb": (commands.kb, OPTIONAL, """\
  ragvsft kb --facts 300 --out corpora/kb-300
  ragvsft run --config configs/default.yaml --set corpus.dir=corpora/kb-300 --out runs/kb-300
  ragvsft kb --facts 1000 --out corpora/kb-1000 --set run.seed=1 --set kb.eval_phrasings=1""", _kb),
    "report": (commands.report, NO_CONFIG, """\
  ragvsft report --run runs/default""", _run_dir),
    "ui": (commands.ui, NO_CONFIG, """\
  make ui                                                      # set-up, the quick run if missing, then this
  ragvsft ui --run runs/quick
  ragvsft ui --run runs/default --host 0.0.0.0 --port 7860     # for a room on the same network
  ragvsft ui --run runs/default --save-dir workshop-rounds      # saved rounds also kept on this machine""", _ui),
    "advise": (commands.advise, NO_CONFIG, """\
  ragvsft advise --profile quillfeather --run runs/default --run runs/squad
  ragvsft advise --profile my-app.yaml --run runs/mine --out runs/advice/my-app
  ragvsft advise --render runs/advice/my-app                    # re-render from advice.json""", _advise),
    "bench": (commands.bench, OPTIONAL, """\
  make bench                                                    # ragvsft bench --config configs/default.yaml
  ragvsft bench --config configs/default.yaml --vectors 10000,100000
  ragvsft bench --config squad --set corpus.max_documents=40 --vectors 10000   # the public corpus's part that fits the window
  ragvsft bench --quick --out /tmp/bench""", _bench),
    "compare": (commands.compare, NO_CONFIG, """\
  ragvsft compare runs/default runs/default-gpu
  ragvsft compare runs/quick runs/k5 --out runs/compare/top-k""", _two_runs),
    "smoke": (commands.smoke, NO_CONFIG, """\
  ragvsft smoke                          # on the GPU, bf16: a few minutes, no weights or network needed
  ragvsft smoke --device cpu --dtype fp32""", _smoke),
}


VERBOSE_HELP = "-v: the libraries' warnings and info lines too; -vv: debug logging"


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a refusal said in one line (what, where, and where to look) instead of the usage block."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="ragvsft", description="Adapt one small LM to a corpus with RAG and with LoRA, and measure both with one harness.",
        epilog="Run `ragvsft <command> --help` for a command's options and examples.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, (function, takes_config, examples, arguments) in COMMANDS.items():
        doc = inspect.cleandoc(function.__doc__)
        short = doc.split(";")[0].split(". ")[0].replace("%", "%%")  # argparse formats a help line with %
        p = sub.add_parser(
            name, help=short, description=doc, epilog=f"examples:\n{examples}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if takes_config:
            required = takes_config == RUN
            p.add_argument("--config", required=required, type=Path, help="YAML experiment config, e.g. configs/quick.yaml"
                           + ("" if required else " (default: the defaults in core/config.py)"))
            p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config value (repeatable)")
        if takes_config == RUN:
            p.add_argument("--out", type=Path, default=None, help="run directory (default: runs/<config name>)")
        arguments(p)
        p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help=VERBOSE_HELP)  # after the command too
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse, load the config (for the commands that take one), call the subcommand; InputError -> exit 2."""
    args = vars(build_parser().parse_args(argv))
    configure_logging(args.pop("verbose"))
    function, takes_config, _, _ = COMMANDS[args.pop("command")]
    try:
        if takes_config:
            path, overrides = args.pop("config"), args.pop("set")
            config = load_config(path, overrides) if path else with_overrides(ExperimentConfig(), overrides)
            if takes_config == RUN:
                args["out"] = args.pop("out") or Path("runs") / config.name
                check_output_dir(args["out"])
            code = function(config=config, **args)
        else:
            code = function(**args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PointsFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0  # a command may return its exit code (smoke: 1 when a step failed)


if __name__ == "__main__":
    sys.exit(main())
