"""Stand-in for ``docker.errors``."""


class DockerException(Exception):
    pass


class APIError(DockerException):
    pass


class NotFound(APIError):
    pass


class ImageNotFound(NotFound):
    pass
