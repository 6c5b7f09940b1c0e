"""The participation API: public reads, drafts not found, exports without authors."""

from territoire.participation import services


def test_projects_and_proposals_read_without_authors(
    client, project, participant, agent, django_assert_max_num_queries
):
    services.proposal_create(actor=participant, title="Un DAE", text="Au stade.", category="sante",
                             project=project)  # fmt: skip
    with django_assert_max_num_queries(30):
        projects = client.get("/api/v1/participation/projects").json()
    assert [p["reference"] for p in projects] == [project.slug]
    assert projects[0]["purpose"].startswith("Réduire")
    proposals = client.get("/api/v1/participation/proposals").json()
    assert proposals[0]["title"] == "Un DAE" and "author" not in proposals[0]
    csv_text = client.get("/api/v1/participation/proposals.csv").content.decode()
    assert "Un DAE" in csv_text and "Camille34" not in csv_text and "example.fr" not in csv_text
    services.project_update(actor=agent, project=project, is_published=False)
    missing = client.get(f"/api/v1/participation/projects/{project.slug}")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_consultation_results_are_empty_until_published(client, consultation):
    body = client.get(f"/api/v1/participation/consultations/{consultation.slug}").json()
    assert body["is_open"] and body["results"] == [] and body["respondents"] is None


def test_a_proposal_written_as_a_formula_is_inert_in_every_csv(client, project, participant, agent):
    services.proposal_create(actor=participant, title="=HYPERLINK(\"http://x\")",
                             text="@SUM(1+1)", category="sante", project=project)  # fmt: skip
    public = client.get("/api/v1/participation/proposals.csv")
    assert public["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in public.content.decode() and "'@SUM" in public.content.decode()
    client.force_login(agent)
    staff = client.get("/espace/participation/exports/proposals.csv").content.decode()
    assert "'=HYPERLINK" in staff and "'@SUM" in staff
