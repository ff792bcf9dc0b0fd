#!/usr/bin/env bash
# Builds bench/.peer-venv for bench/peer_persian.py: PerSent (a Persian sentiment package whose trained model ships
# inside its wheel) in its own venv, because its pins (numpy>=1.26.4, scipy<1.14, hazm 0.9) clash with the
# project's. Every package is pinned exactly; scikit-learn 1.6.1 is the version PerSent's classifier was pickled with.
# Idempotent: does nothing when the venv already holds exactly these pins.
set -euo pipefail

VENV="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.peer-venv"
PINS="persent==1.3.3
click==8.5.1
cloudpickle==3.1.3
defusedxml==0.7.1
fasttext-wheel==0.9.2
gensim==4.4.0
hazm==0.9.3
joblib==1.6.0
narwhals==2.29.0
nltk==3.10.4
numpy==1.26.4
pandas==3.0.6
pybind11==3.1.0
python-crfsuite==0.9.12
python-dateutil==4.0.0
regex==2026.11.19
scikit-learn==1.6.1
scipy==1.13.1
smart_open==9.0.2
threadpoolctl==3.8.0
tqdm==4.70.1
tzdata==2026.6
wrapt==2.5.2"

if [[ -f "$VENV/.pins" && "$(cat "$VENV/.pins")" == "$PINS" ]]; then
    exit 0
fi
test -x "$VENV/bin/python" || "${PYTHON:-python3.11}" -m venv "$VENV"
# shellcheck disable=SC2086  # one argument per pin
"$VENV/bin/pip" install --quiet --quiet $PINS
printf '%s' "$PINS" > "$VENV/.pins"
echo "peer venv ready: $VENV"
