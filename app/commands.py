"""The `ragvsft` subcommands, one function each, reading like a table of contents (config -> seed
-> build -> run -> write -> render). They take a loaded config and the run directory, so a
notebook or a test calls them as the command line does (app/cli.py parses the arguments).
Running never renders: a command writes the run directory, then renders the report from it."""

from __future__ import annotations

import errno
from pathlib import Path

from advice.decide import advise_profile
from advice.profile import load_profile, resolve
from advice.render import ADVICE_JSON, console_text, render_advice, write_advice
from advice.runs import load_runs
from core.config import ExperimentConfig
from core.errors import InputError
from core.rundir import check_output_dir, read_jsonl, write_json, write_jsonl, write_text
from core.seeding import set_seed
from corpora.importing import import_folder, write_documents
from corpora.kb.build import ROUND_NAME, check_kb_out, generate_kb, write_kb
from corpora.synth.pipeline import synth_corpus
from eval.assembly import assemble_saved, load_experiment_corpus, load_models, needs_reader, train_reader, write_config
from eval.report.compare import compare_runs, render_comparison
from eval.report.console import print_report_paths, print_summary
from eval.report.render import render_run, render_sweep
from eval.report.scale import scale_markdown, write_scale_plots
from eval.report.tables import arms_table, round_table
from eval.rundir import INDEX_DIR, PREDICTIONS_FILE, REPORT_MD, SUMMARY_FILE, main_rows, write_results
from eval.stages.executor import raise_if_failed
from eval.stages.experiment import evaluate_experiment
from eval.stages.run import run_experiment
from eval.stages.run_info import now
from eval.stages.scale import run_dir_for, run_scale
from eval.stages.sweep import run_sweep, sweep_dir
from eval.stages.updates import run_one_round, selected_round
from finetune.pipeline import ensure_adapter
from rag.indexing import ensure_index


def run(*, config: ExperimentConfig, out: Path) -> None:
    """Index, train (or reuse), answer with every arm (the fine-tune arms once per seed in
    `run.seeds`), apply the update rounds and deletions; write the run directory and its report."""
    rows, summary = run_experiment(config, out)
    render_run(out)
    print_summary(out, summary, rows)


def index(*, config: ExperimentConfig, out: Path) -> None:
    """Chunk and index the corpus into <out>/index with the configured retriever (reused when its inputs are unchanged)."""
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    embedder, _ = load_models(config)
    write_config(config, out)
    built, reused = ensure_index(out / INDEX_DIR, corpus, embedder, config.rag)
    print(f"{'reused' if reused else 'built'} {config.rag.retriever} index of {len(built.chunks)} chunks in {out / INDEX_DIR}")


def train(*, config: ExperimentConfig, out: Path, resume: bool = False) -> None:
    """Build the training set and train the LoRA adapter into <out>/adapter, and with a `raft` arm configured
    the RAFT adapter into <out>/raft from <out>/index's passages (each reused when model, data, settings and seed match)."""
    corpus = load_experiment_corpus(config)
    set_seed(config.run.seed, config.run.threads)
    embedder, lm = load_models(config, embedder=needs_reader(config))
    write_config(config, out)
    outcomes = [ensure_adapter(config, corpus, out, lm, resume=resume)]
    if needs_reader(config):
        outcomes.append(train_reader(config, corpus, out, lm, embedder, outcomes[0], resume=resume))
    for outcome in outcomes:
        m = outcome.record["metrics"]
        print(
            f"{'reused' if outcome.reused else 'trained'} adapter in {outcome.adapter_dir}: {m['examples']} examples, "
            f"{m['tokens']} tokens, {m['steps']} steps, {m['seconds']:.0f} s, {m['tokens_per_s']:.0f} tokens/s, "
            f"final loss {m['final_loss']:.3f}"
        )


def evaluate(*, config: ExperimentConfig, out: Path) -> None:
    """Answer with the configured arms using the index in <out>/index and the adapter in <out>/adapter."""
    started = now()
    parts = assemble_saved(config, out, calibrate=True)
    write_config(config, out)
    rows, summary = evaluate_experiment(parts, started=started)
    write_results(out, rows, summary)
    render_run(out)
    print(arms_table(summary))
    print_report_paths(out)


def update(*, config: ExperimentConfig, out: Path, round: str) -> None:  # noqa: A002 (--round)
    """Apply one update round to the run's index and adapter and measure every configured strategy;
    writes <out>/updates/<round>/ (summary.json, predictions.jsonl, report.md)."""
    corpus = load_experiment_corpus(config)
    selected_round(config, corpus, round)  # a round the corpus lacks is said before the models load
    parts = assemble_saved(config, out, retrieval=True, tuning=True, corpus=corpus)
    # the main comparison's answers, when it ran, give each arm's accuracy on the facts before the change
    predictions = out / PREDICTIONS_FILE
    before = main_rows(read_jsonl(predictions)) if predictions.is_file() else []
    rows, updates = run_one_round(parts, out, before, round)
    directory = out / "updates" / round
    write_jsonl(directory / PREDICTIONS_FILE, rows)
    write_json(directory / SUMMARY_FILE, {"updates": updates})
    table = "\n\n".join(f"## {r['name']}: {r['changed_facts']} changed facts\n\n{round_table(r)}" for r in updates["rounds"])
    write_text(directory / REPORT_MD, table + "\n")
    print(table)
    print(f"\nreport: {(directory / REPORT_MD).resolve()}")


def sweep(*, config: ExperimentConfig, out: Path, arm: str, key: str, values: str) -> None:
    """Evaluate one arm at each value of one config key; each point is a run directory under <out>/sweeps/."""
    record = run_sweep(config, out, arm=arm, key=key, values=[v.strip() for v in values.split(",") if v.strip()])
    directory = sweep_dir(out, arm, key)
    for point in record["points"]:
        render_run(directory / point["dir"])
    table = render_sweep(record)
    write_text(directory / "sweep.md", table)
    if (out / SUMMARY_FILE).is_file():
        render_run(out)  # the run's own report gains the sweep's table and plot
    print(table)
    print(f"sweep: {(directory / 'sweep.md').resolve()}")
    raise_if_failed(record["failed"], directory / "sweep.json")


def import_documents(*, source: Path, out: Path, max_words: int, force: bool = False) -> None:
    """Turn a folder of .md, .txt, .pdf and .jsonl files into <out>/documents.jsonl; files it cannot
    use are listed with the reason (the import fails only when none is usable)."""
    check_output_dir(out)
    imported = import_folder(source, max_words, out)
    target = write_documents(imported, out, force)
    for rel, why in imported.skipped:
        print(f"skipped {rel}: {why}")
    print(f"{len(imported.documents)} documents from {source} -> {target.resolve()}")
    print(f"next: ragvsft synth --corpus {out}")


def synth(*, config: ExperimentConfig, corpus: Path, force: bool = False) -> None:
    """Write questions (train and eval phrasings of facts found in the documents), one counterfactual
    update round, deletions and control questions next to <corpus>/documents.jsonl; see synth_report.md."""
    set_seed(config.synth.seed, config.run.threads)
    result = synth_corpus(corpus, config.synth, config.model, force=force)
    for stage, n in result.stages.items():
        print(f"{n:6d}  {stage}")
    print(f"report: {(corpus / 'synth_report.md').resolve()}\nnext:   ragvsft run --config configs/default.yaml --set corpus.dir={corpus}")


def kb(*, config: ExperimentConfig, facts: int, out: Path, force: bool = False) -> None:
    """Write a fictional knowledge base of FACTS facts (offices, people, programmes, products, systems;
    deterministic by run.seed) as a corpus directory with questions, an update round and deletions."""
    check_kb_out(out, force)
    knowledge = generate_kb(facts, config.kb, config.run.seed)
    write_kb(knowledge, out, {"generator": "ragvsft kb", "seed": config.run.seed, "settings": config.kb.model_dump()})
    print(f"{len(knowledge.facts)} facts on {len(knowledge.documents)} pages, {len(knowledge.questions)} questions, "
          f"{len({q.fact_id for q in knowledge.round_questions})} changed in {ROUND_NAME}, {len(knowledge.deleted)} pages deleted -> {out.resolve()}")
    print(f"next: ragvsft run --config configs/default.yaml --set corpus.dir={out}")


def scale(*, config: ExperimentConfig, out: Path) -> None:
    """Run the comparison on generated knowledge bases of each size in scale.sizes (default 100, 300, 1000
    facts): accuracy, cost and update time of rag and lora as facts grow; writes scale.json, scale.md, plots."""
    record = run_scale(config, out)
    for row in record["rows"]:
        render_run(run_dir_for(out, row["facts"]))
    markdown = scale_markdown(record, write_scale_plots(out, record))
    write_text(out / "scale.md", markdown)
    print(markdown)
    print(f"scale: {(out / 'scale.md').resolve()}")
    raise_if_failed(record["failed"], out / "scale.json")


def report(*, run: Path) -> None:
    """Re-render a finished run's report (report.md, plots/, report.html) from its directory alone: no model, seconds."""
    check_output_dir(run, "--run")  # the report is written into the run directory
    paths = render_run(run)
    print(f"report: {paths['html'].resolve()}\n        {paths['markdown'].resolve()}")


COMPARISON_JSON, COMPARISON_MD = "comparison.json", "comparison.md"


def compare(*, run_a: Path, run_b: Path, out: Path | None, force: bool) -> None:
    """Per arm and rate, B - A with a 95% bootstrap interval (paired on the same questions); writes comparison.md/json."""
    out = out or Path("runs") / "compare" / f"{run_a.name}-vs-{run_b.name}"
    check_output_dir(out)
    if (out / COMPARISON_JSON).exists() and not force:
        raise InputError(f"--out {out}: already holds a comparison ({COMPARISON_JSON}); add --force to replace it")
    record = compare_runs(run_a, run_b)
    table = render_comparison(record)
    write_json(out / COMPARISON_JSON, record)
    write_text(out / COMPARISON_MD, table)
    print(table)
    print(f"comparison: {(out / COMPARISON_MD).resolve()}")


def advise(*, profile: Path | None, run: list[Path], out: Path | None, force: bool, render: Path | None) -> None:
    """Which to pick, capability by capability: an application profile and finished runs -> a call per capability with the
    measured numbers it rests on (advice.json, advice.md, advice.html); no model, seconds."""
    if render is not None:
        if profile is not None or run:
            raise InputError("--render re-renders an advice directory from its advice.json: give it alone, without --profile or --run")
        paths = render_advice(render)
        print(f"advice: {paths['html'].resolve()}\n        {paths['markdown'].resolve()}")
        return
    if profile is None:
        raise InputError("--profile: give an application profile (a YAML file, or a bundled one by name: quillfeather)")
    app_profile = load_profile(profile)
    runs = load_runs(run)
    out = out or Path("runs") / "advice" / Path(profile).stem
    check_output_dir(out)
    if (out / ADVICE_JSON).exists() and not force:
        raise InputError(f"--out {out}: already holds an advice ({ADVICE_JSON}); add --force to replace it")
    capabilities = [resolve(c) for c in app_profile.capabilities]
    record = advise_profile(app_profile, capabilities, runs, str(profile))
    paths = write_advice(out, record)
    print(console_text(record))
    print(f"\nadvice: {paths['html'].resolve()}\n        {paths['markdown'].resolve()}\n        {paths['json'].resolve()}")


def bench(*, config: ExperimentConfig, out: Path, quick: bool, vectors: str | None) -> None:
    """Measure speed and memory against the naive way and the machine's limit: generation, the whole corpus
    in the prompt cached against recomputed, LoRA training, embedding, model loading and retrieval at up to a
    million chunks; writes bench.json and bench.md."""
    from eval.bench.run import BenchSizes, run_bench
    from eval.report.bench import bench_markdown

    check_output_dir(out)
    sizes = BenchSizes.quick() if quick else BenchSizes()
    if vectors:
        sizes.vectors = parse_sizes(vectors)
    record = run_bench(config, sizes)
    table = bench_markdown(record)
    write_json(out / "bench.json", record)
    write_text(out / "bench.md", table)
    print(table)
    print(f"bench: {(out / 'bench.md').resolve()}")


MAX_VECTORS = 10_000_000  # --vectors at most: 15 GB of 384-d float32 vectors, past what a laptop holds


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(v.replace("_", "")) for v in text.split(",")]
    except ValueError:
        raise InputError(f"--vectors: {text!r} is not a comma-separated list of whole numbers") from None
    if any(not 100 <= n <= MAX_VECTORS for n in sizes):
        raise InputError(f"--vectors: {text!r}: each size must be from 100 (an IVF index needs points to cluster) to {MAX_VECTORS:,}")
    return sizes


def ui(*, run: Path, host: str, port: int | None, share: bool, save_dir: Path | None = None) -> None:
    """Serve the workshop UI on a finished run: ask every arm, edit and delete facts, retrain, read the
    verdict; edits live in a per-browser copy, the run directory never changes."""
    from app.workshop.loaded_run import check_finished, load_run

    # all before loading models: a port in use or a bad folder is said in a second
    check_port(host, port)
    if save_dir is not None:
        check_output_dir(save_dir, "--save-dir")
    check_finished(run)
    from app.workshop.app import serve  # Gradio loads only for this command

    loaded = load_run(run)
    print(f"workshop UI on the run {run} ({loaded.cfg.name}); the address follows. Ctrl-C stops it.")
    serve(loaded, host=host, port=port, share=share, save_root=save_dir.resolve() if save_dir else None)


def check_port(host: str, port: int | None) -> None:
    """An InputError unless `host` is an address this machine can listen on and `port` (when given) a
    port number free there now."""
    import socket

    if port is not None and not 1 <= port <= 65535:
        raise InputError(f"--port {port}: a port is a number from 1 to 65535")
    try:
        with socket.create_server((host, port or 0)):  # no port: Gradio takes 7860 or the next free one; the host is checked
            pass
    except OSError as exc:
        if port and exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise InputError(f"--port {port}: in use by another program (or reserved); choose another") from None
        raise InputError(f"--host {host}: cannot listen there ({exc.strerror or exc}); 127.0.0.1 is this machine, 0.0.0.0 every network it is on") from None


def smoke(*, device: str, dtype: str, workdir: Path | None) -> int:
    """Run the whole pipeline (index, train, evaluate, an update round and deletions, report) and the
    bench's generation on tiny random models on DEVICE, printing pass/fail per step: no weights, no
    network, a few minutes on a bare GPU machine. Exit code 1 when a step failed."""
    from app.smoke import run_smoke

    if workdir is not None:
        check_output_dir(workdir, "--workdir")
    return 0 if run_smoke(device, dtype, workdir) else 1
