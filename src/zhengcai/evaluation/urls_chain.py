"""Evaluation URLs: the responsibility chain (/office/evaluation/chain/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_chain as v

urlpatterns: list[URLPattern] = [
    path("office/evaluation/chain/", v.chain_tree, name="chain"),
    path("office/evaluation/chain/positions/<int:pk>/", v.position_detail, name="position"),
    path("office/evaluation/chain/tasks/", v.my_tasks, name="my_tasks"),
    path("office/evaluation/chain/tasks/new/", v.task_new, name="task_new"),
    path("office/evaluation/chain/tasks/<int:pk>/", v.task_detail, name="task"),
    path("office/evaluation/chain/tasks/<int:pk>/progress/", v.task_progress, name="task_progress"),
    path("office/evaluation/chain/tasks/<int:pk>/subtask/", v.task_subtask, name="task_subtask"),
    path("office/evaluation/chain/tasks/<int:pk>/close/", v.task_close, name="task_close"),
    path("office/evaluation/chain/admin/", v.positions, name="positions"),
    path("office/evaluation/chain/admin/new/", v.position_new, name="position_new"),
    path("office/evaluation/chain/admin/<int:pk>/edit/", v.position_edit, name="position_edit"),
    path("office/evaluation/chain/admin/<int:pk>/appoint/", v.position_appoint, name="position_appoint"),
    path("office/evaluation/chain/admin/holders/<int:pk>/end/", v.holder_end, name="holder_end"),
]
