"""The demo loader (``manage.py load_demo``), above every layer.

It orchestrates every app (communes, accounts, communities, each module's
``demo_data``), so it belongs to none of them: like ``config`` and ``api`` it sits
above the core's layers and outside the layers contract (``.importlinter``). It has
no models and no pages: nobody sees its name.
"""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    label = "demo"
