from pyk8s.api import names

SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def test_dns1123_subdomain():
    assert names.is_dns1123_subdomain("web.example-1") == []
    assert names.is_dns1123_subdomain("Web") == [SUBDOMAIN_ERROR]
    assert names.is_dns1123_subdomain("a" * 254) == ["must be no more than 253 characters"]


def test_dns1123_label_reports_dots_separately():
    assert names.is_dns1123_label("web-1") == []
    assert names.is_dns1123_label("a.b") == ["must not contain dots"]
    assert names.is_dns1123_label("-a") == [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_dns1035_label_must_start_with_a_letter():
    assert names.is_dns1035_label("svc-1") == []
    assert names.is_dns1035_label("1svc") == [
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_qualified_names():
    assert names.is_qualified_name("app.kubernetes.io/name") == []
    assert names.is_qualified_name("/x") == ["prefix part must be non-empty"]
    assert names.is_qualified_name("a/b/c")[0].startswith("a qualified name must consist of")
    assert names.is_qualified_name("Example.com/x")[0].startswith(
        "prefix part a lowercase RFC 1123 subdomain"
    )
    errors = names.is_qualified_name("-bad")
    assert errors == [
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
        "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    ]


def test_label_values_may_be_empty_but_not_malformed():
    assert names.is_valid_label_value("") == []
    assert names.is_valid_label_value("v1.2_x") == []
    assert names.is_valid_label_value("a b")[0].startswith("a valid label must be an empty string")
    assert names.is_valid_label_value("a" * 64)[0] == "must be no more than 63 characters"


def test_identifiers_and_env_names():
    assert names.is_c_identifier("MY_VAR") == []
    assert names.is_c_identifier("my-var") != []
    assert names.is_env_var_name("my.env-name") == []
    assert names.is_env_var_name("..x") == ["must not start with '..'"]
    assert names.is_env_var_name("1x")[0].startswith("a valid environment variable name")


def test_ports_and_ips():
    assert names.is_valid_port_num(80) == []
    assert names.is_valid_port_num(0) == ["must be between 1 and 65535, inclusive"]
    assert names.is_valid_port_name("http") == []
    assert "must contain at least one letter (a-z)" in names.is_valid_port_name("8080")
    assert names.is_valid_ip("10.0.0.1") == []
    assert names.is_valid_ip("2001:db8::1") == []
    assert names.is_valid_ip("10.0.0") == [
        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    ]


def test_generate_name_prefix_is_checked_without_its_trailing_dash():
    assert names.is_dns1123_subdomain(names.mask_trailing_dash("web-")) == []
