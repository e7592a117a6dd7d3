// A new template: its XML uploaded as a draft (the owner team comes from <owner team=...>). Then
// the template's page, where the draft can be scanned and published.
import { useLocation } from 'preact-iso';
import { Page } from '../../components/Page.jsx';
import { setFlash } from '../secrets/paths.js';
import { templateHref } from '../provision/shared.js';
import { XmlUpload } from './XmlUpload.jsx';

const EXAMPLE = `<?xml version="1.0"?>
<template xmlns="urn:portico:template:1" name="my-template" version="1.0.0">
  <title>What it makes</title>
  <description>A sentence or two for the gallery.</description>
  <owner team="your-team"/>
  <tags><tag>example</tag></tags>
  <parameters>
    <parameter name="name" type="string" required="true" pattern="[a-z][a-z0-9-]{2,20}">
      <label>Name</label><help>Lower-case letters, digits and -.</help>
    </parameter>
  </parameters>
  <policy>
    <environments><environment>dev</environment><environment>prod</environment></environments>
    <approvals environment="prod" count="1" role="maintainer"/>
    <ttl default-days="7" max-days="30"/>
  </policy>
  <steps>
    <step name="hello" driver="noop"><arg name="message">hello {{name}}</arg></step>
  </steps>
</template>
`;

export function NewTemplate() {
  const { route } = useLocation();
  function onDone(answer) {
    setFlash(`Uploaded ${answer.name} ${answer.version} as a draft.`);
    route(templateHref(answer.name, answer.version));
  }
  return (
    <Page title="Upload a template"
          intro="A template is an XML document (urn:portico:template:1): its parameters, its policy (environments, approvals, how long what it makes lives), the steps that make it and their outputs. It starts as a draft; publishing scans it first.">
      <XmlUpload label="Template XML" initial={EXAMPLE} submitLabel="Upload as a draft"
                 hint="A new name makes a new template owned by the team in <owner>; a known name adds a version (or replaces a draft of the same version)."
                 onDone={onDone} />
    </Page>
  );
}
