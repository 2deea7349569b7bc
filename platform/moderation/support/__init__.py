"""The platform's support desk, "Contacter l'équipe" (CNT-7).

People (signed in or not) write to the platform's team on a topic; a signed-in person's
request carries what the platform knows of their situation (communes, community, pending
request, overlap, area cap) so the team need not ask. The team answers in the Wagtail
admin (``support_admin``); the person reads the answer in the notification centre, by
e-mail and on the request's page, and may reply. A visitor without an account gets the
answer by a plain e-mail.

* ``services``: create, answer, reply, change status, rate limits, the gathered context;
* ``selectors``: who reads which request (404 alike for missing and not yours);
* ``forms``/``views``: the site pages ``contact/``, ``contact/demandes/…``;
* ``admin_views``/``wagtail_hooks``: the staff's desk under ``/admin/support/``;
* ``api``/``api_urls``: ``/api/v1/support/…``.
"""
