"""A measured effect to link to projects (tests of participation and the browser journey): a
published indicator over a panel of 20 communes where the treated ten gain 5 from 2020 on, and
its evaluation."""

from __future__ import annotations

import datetime as dt

import numpy as np

from territoire.indicators import services as indicator_services
from territoire.lake import services as lake_services
from territoire.territories.models import Territory

TREATED = [f"9910{i}" for i in range(10)]  # codes no real commune has
CONTROL = [f"9920{i}" for i in range(10)]
YEARS = range(2016, 2024)


def evaluation_on_panel(tmp_path, make_dataset, data_officer, service):
    """A published indicator over a panel of 20 communes where the treated ten gain 5 from 2020
    on (common trend + 2 a year, noise sd 1), and its evaluation."""
    for code in TREATED + CONTROL:
        Territory.objects.create(kind="commune", code=code, name=f"Commune {code}")
    rng = np.random.default_rng(3)
    lines = ["annee;code_insee;valeur"]
    for code in TREATED + CONTROL:
        level = rng.normal(50, 10)
        for i, year in enumerate(YEARS):
            value = (
                level + 2 * i + rng.normal(0, 1) + (5 if code in TREATED and year >= 2020 else 0)
            )
            lines.append(f"{year};{code};{value:.3f}")
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dataset = make_dataset("Défibrillateurs utilisés", slug="panel")
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=path,
                                 original_name=path.name, publish=True)  # fmt: skip
    indicator = indicator_services.indicator_create(
        actor=data_officer, title="Survies après arrêt cardiaque", publisher_service=service,
        definition={"dataset": "panel", "measure": {"kind": "sum", "column": "valeur"},
                    "period": {"column": "annee", "truncate": "year"},
                    "territory": {"column": "code_insee"}},
    )  # fmt: skip
    indicator_services.indicator_compute(actor=data_officer, indicator=indicator)
    indicator_services.indicator_publish(actor=data_officer, indicator=indicator,
                                         reason="Agrégats publics, sans donnée personnelle.")  # fmt: skip
    return indicator_services.evaluation_create(
        actor=data_officer, indicator=indicator, title="Effet du réseau de DAE",
        intervention_date=dt.date(2020, 1, 1), treated=TREATED, comparison=CONTROL,
    )  # fmt: skip
