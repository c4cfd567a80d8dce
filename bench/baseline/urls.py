"""POST /notes/ creates, GET /notes/?owner=N lists a page: what a create-and-list service does, no more."""

from django.urls import path
from rest_framework import generics, serializers

from bench.baseline.models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "title", "body", "owner", "created_at"]


class NoteList(generics.ListCreateAPIView):
    serializer_class = NoteSerializer

    def get_queryset(self):
        notes = Note.objects.all()
        owner = self.request.query_params.get("owner")
        return notes.filter(owner=int(owner)) if owner and owner.isdigit() else notes


urlpatterns = [path("notes/", NoteList.as_view())]
