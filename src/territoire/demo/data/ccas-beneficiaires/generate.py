"""Generate the demo's file of beneficiaries of the CCAS's optional social aid: invented people,
drawn with a fixed seed (the same file every run), shaped as a CCAS export (`;`, dd/mm/yyyy dates,
decimal commas, UTF-8 with BOM). Nobody in it exists: names are drawn from common first names and
surnames, phone numbers from the 06 99 range, addresses from real street names of Montpellier.

    python generate.py > beneficiaires-aides-facultatives.csv
"""

import datetime
import random
import sys
from pathlib import Path

SEED = 20261204
ROWS = 1500
FIRST_NAMES = [
    line.strip()
    for line in (Path(__file__).resolve().parents[3] / "trust" / "data" / "prenoms.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
SURNAMES = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE "
    "LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU "
    "VINCENT MULLER LEFEVRE FAURE ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS "
    "LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER "
    "MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOEL MEYER DUFOUR MEUNIER BRUN BLANCHARD "
    "GIRAUD JOLY RIVIERE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD ROCHE RENARD SCHMITT "
    "ROY LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER "
    "PHILIPPE BOURGEOIS PIERRE BENOIT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ "
    "JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR "
    "PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER MARTY AUBRY GUYOT CARRE CHARLES "
    "RENAULT CHARPENTIER MENARD MAILLARD BARON BERTIN BAILLY HERVE SCHNEIDER FERNANDEZ BENALI "
    "HADDAD NGUYEN DIALLO TRAORE"
).split()
# (INSEE code, name, weight): Montpellier and the larger communes of the metropole
COMMUNES = [
    ("34172", "Montpellier", 62),
    ("34129", "Lattes", 5),
    ("34057", "Castelnau-le-Lez", 5),
    ("34270", "Saint-Jean-de-Védas", 4),
    ("34198", "Pérols", 3),
    ("34123", "Juvignac", 3),
    ("34116", "Grabels", 2),
    ("34154", "Mauguio", 0),
    ("34077", "Clapiers", 2),
    ("34090", "Le Crès", 2),
    ("34120", "Jacou", 2),
    ("34164", "Montferrier-sur-Lez", 1),
    ("34169", "Villeneuve-lès-Maguelone", 2),
    ("34217", "Prades-le-Lez", 1),
    ("34022", "Baillargues", 2),
    ("34327", "Vendargues", 2),
    ("34088", "Cournonterral", 1),
    ("34087", "Cournonsec", 1),
    ("34179", "Murviel-lès-Montpellier", 1),
]
STREETS = [
    "rue de la Loge",
    "avenue de Toulouse",
    "rue du Faubourg Boutonnet",
    "avenue de Lodève",
    "rue de la Méditerranée",
    "avenue du Père Soulas",
    "rue des Araucarias",
    "boulevard Pasteur",
    "rue de Las Sorbes",
    "avenue de Palavas",
    "chemin de Moularès",
    "rue du Pas du Loup",
    "avenue de la Pompignane",
    "rue Lakanal",
    "place Salengro",
    "rue Proudhon",
]
AIDS = [
    ("Aide alimentaire", 40, 90, 30),
    ("Aide à l'énergie", 80, 350, 20),
    ("Aide au logement", 150, 600, 15),
    ("Secours d'urgence", 50, 300, 15),
    ("Aide à la mobilité", 30, 120, 10),
    ("Aide aux frais de santé", 60, 400, 10),
]


def main(out=sys.stdout) -> None:
    rng = random.Random(SEED)
    communes = [c for c in COMMUNES if c[2]]
    out.write(
        "\ufeffN° dossier;Nom;Prénom;Date de naissance;Âge;Sexe;Adresse;Code commune;"
        "Commune;Téléphone;Aide;Montant accordé;Date de la demande\n"
    )
    reference = datetime.date(2024, 12, 31)
    for number in range(1, ROWS + 1):
        age = min(max(int(rng.gauss(47, 17)), 18), 96)
        birth = reference - datetime.timedelta(days=365 * age + rng.randrange(365))
        sex = rng.choice("FFFMM")
        code, commune, _ = rng.choices(communes, weights=[c[2] for c in communes])[0]
        aid, low, high, _ = rng.choices(AIDS, weights=[a[3] for a in AIDS])[0]
        amount = round(rng.uniform(low, high) * (4 if rng.random() < 0.01 else 1), 2)
        asked = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(366))
        phone = f"06 99 {rng.randrange(100):02d} {rng.randrange(100):02d} {rng.randrange(100):02d}"
        address = f"{rng.randrange(1, 180)} {rng.choice(STREETS)}"
        out.write(
            ";".join(
                [
                    f"CCAS-2024-{number:05d}",
                    rng.choice(SURNAMES),
                    rng.choice(FIRST_NAMES),
                    birth.strftime("%d/%m/%Y"),
                    str(age),
                    sex,
                    address,
                    code,
                    commune,
                    phone,
                    aid,
                    f"{amount:.2f}".replace(".", ","),
                    asked.strftime("%d/%m/%Y"),
                ]
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
