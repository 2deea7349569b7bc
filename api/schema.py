def only_v1(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the OpenAPI file describes /api/v1/ only.

    Wagtail's headless API (/api/cms/v2/) documents itself separately.
    """
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
