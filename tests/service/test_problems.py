"""Problem documents: status, title and type come from the error classes, in one builder."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service import errors
from service.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers


def _app_raising(error: errors.ServiceError) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/fails")
    def fails() -> None:
        raise error

    return app


@pytest.mark.parametrize(
    "error_class",
    [errors.BadRequest, errors.NotFound, errors.Conflict, errors.ValidationFailed],
)
def test_an_expected_failure_answers_with_its_class(
    error_class: type[errors.ServiceError],
) -> None:
    with TestClient(_app_raising(error_class("it failed"))) as client:
        response = client.get("/fails")
    assert response.status_code == error_class.status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json() == {
        "type": f"/problems/{error_class.slug}",
        "title": error_class.title,
        "status": error_class.status,
        "detail": "it failed",
        "instance": "/fails",
    }


def test_the_bare_base_error_is_a_programming_error_and_answers_500() -> None:
    with TestClient(_app_raising(errors.ServiceError("no caller"))) as client:
        response = client.get("/fails")
    assert response.status_code == 500
    assert response.json()["title"] == "Internal server error"


def test_framework_errors_take_the_title_of_the_class_for_their_status() -> None:
    with TestClient(_app_raising(errors.BadRequest("unused"))) as client:
        missing = client.get("/nowhere")
        wrong_method = client.post("/fails")
    assert (missing.status_code, missing.json()["title"]) == (404, errors.NotFound.title)
    assert (wrong_method.status_code, wrong_method.json()["title"]) == (
        405,
        errors.MethodNotAllowed.title,
    )


def test_every_status_has_one_class() -> None:
    classes = errors.ServiceError.__subclasses__()
    assert len({error.status for error in classes}) == len(classes)
    assert all(errors.for_status(error.status) is error for error in classes)
    assert errors.for_status(418) is errors.ServiceError
