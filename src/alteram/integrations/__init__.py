"""Adapters to the outside world (DESIGN §7): e-mail now; webhooks, ActivityPub, AT
Protocol and Mastodon later. Services see each as a small interface."""
