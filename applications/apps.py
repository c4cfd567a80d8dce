from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = gettext_lazy("办件")

    def ready(self) -> None:
        from portal import outbox

        # portal.services.verify_real_name announces a binding; the parties it concerns live here.
        outbox.HANDLERS["identity_bound"] = "applications.tasks.handle_identity_bound"
        # A document issued in a transition is rendered and signed by the worker right after it.
        outbox.HANDLERS["document_issued"] = "applications.tasks.render_issued_document"
        # A grant's licence (applications/licences/issuing.py) is rendered, signed and published likewise.
        outbox.HANDLERS["licence_issued"] = "applications.tasks.render_issued_licence"
