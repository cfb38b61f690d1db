#!/usr/bin/env bash
# hospitaltwin's main job, end to end on the bundled synthetic sample of a 150-bed community
# hospital (samples/): read and check its ADT log, calibrate demand from it, simulate the
# hospital with that demand, sync the log into an SQLite state store, forecast the next week
# from the hospital's state at the last event, and write the report. Results land in
# runs/main-job/, the report in reports/. It ends with a recommended surge plan for the
# coming week and its effect tested in the twin on random numbers it was not optimised on.
set -euo pipefail
cd "$(dirname "$0")/.."
ht=${HOSPITALTWIN:-.venv/bin/hospitaltwin}
[[ -x $ht ]] || ht=hospitaltwin
work=runs/main-job
mkdir -p "$work"
# Without a key of yours, the bundled sample is pseudonymised with a PUBLIC demo key. It protects
# nothing; hospitaltwin accepts it for this sample only and refuses it for any other input.
if [[ -z ${HOSPITALTWIN_PSEUDONYM_KEY:-} ]]; then
    cat >&2 <<'WARN'
!! WARNING: HOSPITALTWIN_PSEUDONYM_KEY is not set, so this demo uses the PUBLIC demo key.
!! Anyone can undo its pseudonyms. hospitaltwin accepts it only for the bundled synthetic
!! sample and refuses it for any other input. For real data, make your own key:
!!     hospitaltwin keygen --out /secure/place/pseudonym.key
!!     export HOSPITALTWIN_PSEUDONYM_KEY="$(cat /secure/place/pseudonym.key)"
WARN
    export HOSPITALTWIN_PSEUDONYM_KEY=demo-key-for-the-bundled-sample-only
fi

echo "== 1. ingest: read the ADT log, map unit names, pseudonymise, quarantine what cannot be used"
"$ht" ingest samples/community-adt.csv.gz --map samples/community-units.yaml \
    --timezone America/Chicago --out "$work/events.parquet"

echo "== 2. calibrate: arrival streams, stay laws, routing and ventilator use from the log"
"$ht" calibrate "$work/events.parquet" --layout layouts/community-150.yaml --out "$work/demand.yaml"

cat > "$work/scenario.yaml" <<YAML
# The community hospital with the demand calibrated from its own log.
name: community-calibrated
layout: ../../layouts/community-150.yaml
demand: demand.yaml
run: {horizon: 180d, warmup: 30d, replications: 10, seed: 1}
YAML

echo "== 3. run: simulate half a year with the calibrated demand (10 replications)"
"$ht" run "$work/scenario.yaml" --workers 2 --out "$work/run"

echo "== 4. sync: load the log into the twin's state store (SQLite; re-running adds nothing)"
"$ht" sync samples/community-adt.csv.gz --map samples/community-units.yaml \
    --timezone America/Chicago --store "sqlite:///$work/twin.db"
"$ht" state --store "sqlite:///$work/twin.db" --layout layouts/community-150.yaml

echo "== 5. forecast: the next 7 days from the state at the last event (500 replications)"
# The last run's forecast is kept beside the new one: the report says what changed since.
if [[ -d $work/forecast ]]; then
    rm -rf "$work/forecast.previous"
    mv "$work/forecast" "$work/forecast.previous"
fi
# The sample's last event is in July 2025, so its state is older than a forecast may start from
# unless told: --allow-stale forecasts from it anyway (and the forecast says how old it is).
"$ht" forecast --store "sqlite:///$work/twin.db" --scenario "$work/scenario.yaml" --horizon 7d \
    --replications 500 --workers 2 --allow-stale --out "$work/forecast"

echo "== 6. optimize surge: which surge beds to open this week (SAA over demand paths from the state"
echo "      now: 100, doubled while the plan's gap to the best plan, estimated on 5 batches of fresh"
echo "      paths, is above 1%), then the plan tested in the twin on fresh seeds against doing nothing"
"$ht" optimize surge --scenario "$work/scenario.yaml" --store "sqlite:///$work/twin.db" \
    --options scenarios/surge/community-options.yaml --paths 100 --gap-batches 5 --max-paths 400 --horizon 7d --workers 2 \
    --out "$work/surge"

echo "== 7. report: forecast, the recommended surge plan and its test, simulation and calibration (PDF + PNG figures)"
previous=()
[[ -d $work/forecast.previous ]] && previous=(--previous "$work/forecast.previous")
"$ht" report "$work/forecast" "$work/surge" "$work/run" "$work/demand.calibration" ${previous[@]+"${previous[@]}"} \
    --pdf reports/main-job.pdf --png reports/main-job
if [[ -f $work/surge/evaluation/comparison.csv ]]; then
    echo "Recommended policy: $work/surge/policy.yaml (its tested effect: $work/surge/evaluation/comparison.csv)"
else
    echo "Recommended: no surge beds this week ($work/surge/solve.json: what opening beds would cost and spare)"
fi
echo "The report is reports/main-job.pdf (figures in reports/main-job/)."
