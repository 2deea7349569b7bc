"""Test clients whose requests end as in production: on-commit callbacks run."""


def commit_each_request(client, capture):
    """Each request of ``client`` runs its on-commit callbacks (queued e-mails, tasks) as
    it ends; ``capture`` is pytest-django's ``django_capture_on_commit_callbacks``."""
    request = client.request

    def request_then_commit(**kwargs):
        with capture(execute=True):
            return request(**kwargs)

    client.request = request_then_commit
    return client
