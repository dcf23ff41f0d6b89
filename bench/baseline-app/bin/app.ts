#!/usr/bin/env node
// The comparison point for bench/run.js: the research stack written the way `cdk init app
// --language typescript` sets an app up, run by the CDK CLI through ts-node.
import * as cdk from 'aws-cdk-lib'
import {BaselineResearchStack} from '../lib/baseline-research-stack'

const app = new cdk.App()
new BaselineResearchStack(app, 'BaselineResearch', {env: {region: 'us-east-1'}})
