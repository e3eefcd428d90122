// Starts Swagger UI on the gateway's own contract. A file of its own (not inline) so the
// page runs under a Content-Security-Policy without 'unsafe-inline' scripts (ADR 0026).
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.yaml',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});
